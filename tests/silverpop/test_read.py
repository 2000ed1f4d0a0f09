"""``datasource.read.silverpop``: ExportList, download, parse; the delta window; opt-out exports."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dataflow.testing import read_all
from sandbox.silverpop import ManualClock, SilverpopConfig, SilverpopSandbox
from tests.silverpop.conftest import DATABASES, build, client_for, connection, opt_out, upsert


@pytest.fixture
def clocked() -> Iterator[tuple[SilverpopSandbox, ManualClock]]:
    """A sandbox on a manual clock whose jobs finish at once (no waiting or running time), ticked in the background."""
    clock = ManualClock(1_700_000_000.0)
    config = SilverpopConfig(contacts=0, databases=DATABASES, job_waiting_s=0, job_running_s=0)
    sandbox = SilverpopSandbox(config, clock=clock, tick_s=0.01).start()
    yield sandbox, clock
    sandbox.stop()


def reader(sandbox: SilverpopSandbox, work: Path, job: dict[str, Any] | None = None, **params: Any) -> Any:
    base = {**connection(sandbox), "listId": sandbox.lists["Gigya Master"], "columns": "GigyaUid,EMAIL,Subscribed"}
    return build("datasource.read.silverpop", {**base, **params}, work, **(job or {}))


def moment(clock: ManualClock) -> datetime:
    return datetime.fromtimestamp(clock.now(), UTC)


def test_exports_the_database_as_records(clocked: tuple[SilverpopSandbox, ManualClock], tmp_path: Path) -> None:
    sandbox, _ = clocked
    client = client_for(sandbox)
    master = sandbox.lists["Gigya Master"]
    for index in range(3):
        upsert(client, master, GigyaUid=f"u{index}", EMAIL=f"u{index}@example.com", Subscribed="Yes")
    records = read_all(reader(sandbox, tmp_path / "r", columns="GigyaUid,EMAIL,Subscribed,Opted Out"))
    assert records == [
        {"GigyaUid": f"u{i}", "EMAIL": f"u{i}@example.com", "Subscribed": "Yes", "Opted Out": "F"} for i in range(3)
    ]
    assert sandbox.download_files() == []  # the export was removed after the download


def test_delta_exports_only_contacts_modified_in_the_window(
    clocked: tuple[SilverpopSandbox, ManualClock], tmp_path: Path
) -> None:
    sandbox, clock = clocked
    client = client_for(sandbox)
    master = sandbox.lists["Gigya Master"]
    for index in range(4):
        upsert(client, master, GigyaUid=f"u{index}", EMAIL=f"u{index}@example.com", Subscribed="Yes")
    clock.advance(3600)
    since = moment(clock)
    clock.advance(60)
    upsert(client, master, GigyaUid="u2", EMAIL="u2@example.com", Subscribed="No")
    opt_out(client, master, "u3@example.com")
    clock.advance(60)
    job = {"delta_since": since, "now": moment(clock)}
    changed = read_all(reader(sandbox, tmp_path / "delta", job, delta=True))
    assert changed == [
        {"GigyaUid": "u2", "EMAIL": "u2@example.com", "Subscribed": "No"},
        {"GigyaUid": "u3", "EMAIL": "u3@example.com", "Subscribed": "Yes"},
    ]
    full = read_all(reader(sandbox, tmp_path / "full", {"delta_since": None, "now": moment(clock)}, delta=True))
    assert len(full) == 4  # a full extract (no delta window) exports everything
    opted_out = read_all(reader(sandbox, tmp_path / "optout", exportType="OPT_OUT", columns="GigyaUid"))
    assert opted_out == [{"GigyaUid": "u3"}]


def test_an_empty_database_emits_nothing(clocked: tuple[SilverpopSandbox, ManualClock], tmp_path: Path) -> None:
    sandbox, _ = clocked
    step = reader(sandbox, tmp_path / "r")
    assert read_all(step) == []
    assert step.counters.as_dict() == {"in": 0, "out": 0, "errors": 0, "filtered": 0, "added": 0}
