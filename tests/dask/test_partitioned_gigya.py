"""A Gigya account read split by UID into ``maxConcurrency`` cursor searches gives the accounts one read gives.

The sandbox answers real signed ``accounts.search`` calls on loopback. Gigya defines no order for a search
without ORDER BY, in one read or several, so records are compared as sorted lines; counters exactly.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.gigya import GigyaSandbox
from steps.gigya.read import uid_ranges
from tests.dask.conftest import run_both
from tests.helpers import step


@pytest.fixture(scope="module")
def sandbox() -> Iterator[GigyaSandbox]:
    with GigyaSandbox(host="127.0.0.1", port=0, accounts=600, seed=12) as running:
        odd = running.put_account({"profile": {"email": "custom-uid@example.org"}})  # a UID of its own
        running.put_account({"UID": "Zz-imported-1", "profile": {"email": "imported@example.org"}})
        assert odd
        yield running


def accounts_flow(concurrency: int) -> Any:
    def make(out: Path) -> dict[str, Any]:
        read = {"select": "UID, profile.email, data.subscribed", "batchSize": 64, "maxConcurrency": concurrency}
        return {
            "name": "accounts",
            "steps": [
                step("read", "datasource.read.gigya.account", read, next=["yesno"]),
                step(
                    "yesno",
                    "field.evaluate",
                    {"fields": [{"field": "subscribed", "expression": "data.subscribed eq 'true' ? 'Yes' : 'No'"}]},
                    next=["jsonl"],
                ),
                step("jsonl", "file.format.jsonl", {"fileName": "accounts.jsonl"}, next=["write"]),
                step("write", "datasource.write.file", {"path": str(out)}),
            ],
        }

    return make


def test_a_split_account_read_returns_every_account_once(tmp_path: Path, sandbox: GigyaSandbox, threaded_dask) -> None:
    single, partitioned = run_both(
        accounts_flow(4), tmp_path, threaded_dask, environ=sandbox.environ, full_extract=True
    )
    assert partitioned.status["status"] == "succeeded", partitioned.status.get("errorMessage")
    one_read = single.file("accounts.jsonl").splitlines()
    assert len(one_read) == sandbox.count("full") == 602
    assert sorted(partitioned.file("accounts.jsonl").splitlines()) == sorted(one_read)
    assert partitioned.status["counters"] == single.status["counters"]
    trace = "\n".join(partitioned.status["trace"])
    assert "the job runs as 4 partitions" in trace
    queries = re.findall(r"accounts\.search \(full extract\): (.*)", trace)
    assert len(queries) == 4
    assert all("WHERE UID regex ('" in query for query in queries)


def test_uid_ranges_cover_every_uid_exactly_once() -> None:
    shuffle = random.Random(5)
    uids = [f"{shuffle.getrandbits(128):032x}" for _ in range(2000)]
    uids += [uid.upper() for uid in uids[:200]] + ["Zz-imported-1", "_x", "-", "0", "F", "é-uid"]
    uids += ["".join(shuffle.choices(string.printable, k=8)) for _ in range(200)]
    for count in (2, 3, 4, 5, 7, 16):
        patterns = [re.compile(pattern, re.DOTALL) for pattern in uid_ranges(count)]
        for uid in uids:
            assert sum(bool(p.fullmatch(uid)) for p in patterns) == 1, (count, uid)
    sizes = [sum(bool(re.fullmatch(p, uid)) for uid in uids[:2000]) for p in uid_ranges(4)]
    assert all(400 < size < 600 for size in sizes)  # random hex UIDs split evenly
