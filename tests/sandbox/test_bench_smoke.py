"""The serving benchmark runs end to end (small), and the server copes with concurrent readers and writers."""

from __future__ import annotations

import threading
from typing import Any

from sandbox.gigya import GigyaSandbox
from sandbox.gigya.bench import run
from tests.sandbox.client import Client


def test_the_benchmark_reads_every_account() -> None:
    result = run(accounts=20_000, page=5_000, select="*", where="", seed=1)
    assert (result["read"], result["total"], result["pages"]) == (20_000, 20_000, 4)
    assert result["accounts_per_s"] > 0 and result["server_after_mb"]["VmHWM"] > 0
    narrow = run(
        accounts=20_000, page=10_000, select="UID, profile.email, data.subscribed", where="isActive = true", seed=1
    )
    assert 19_000 < narrow["read"] == narrow["total"] < 20_000 and narrow["bytes_per_account"] < 200


def test_concurrent_cursors_and_writes(sandbox_factory: Any) -> None:
    sandbox: GigyaSandbox = sandbox_factory(accounts=3000)
    errors: list[BaseException] = []
    seen: list[int] = []

    def reader() -> None:
        try:
            client = Client.of(sandbox.credentials)
            page = client.ok("accounts.search", query="SELECT UID FROM accounts LIMIT 250", openCursor=True)
            count = page["objectsCount"]
            while "nextCursorId" in page:
                page = client.ok("accounts.search", cursorId=page["nextCursorId"])
                count += page["objectsCount"]
            seen.append(count)
        except BaseException as problem:
            errors.append(problem)

    def writer() -> None:
        try:
            client = Client.of(sandbox.credentials)
            for i in range(0, 3000, 60):
                client.ok("accounts.setAccountInfo", UID=sandbox.uid(i), data={"touched": i})
        except BaseException as problem:
            errors.append(problem)

    threads = [threading.Thread(target=reader) for _ in range(4)] + [threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and seen == [3000] * 4
    assert sandbox.account(sandbox.uid(2940))["data"]["touched"] == 2940
