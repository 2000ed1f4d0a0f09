"""The state store: versions and drafts, the refusal of unchanged saves, job locks, watermarks, migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dataflow.store import AlreadyRunning, StoreError, Unchanged, open_store
from dataflow.store.migrations import MIGRATIONS

FLOW = {"name": "nightly", "description": "a > b", "steps": []}


def test_save_bumps_version_and_refuses_unchanged(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    first = store.save_flow(FLOW)
    assert (first.version, first.status) == (1, "published") and len(first.id) == 32
    with pytest.raises(Unchanged, match="'nightly' \\(published\\) has not changed; still version 1"):
        store.save_flow(dict(FLOW))
    second = store.save_flow({**FLOW, "description": "a > c"})
    assert second.version == 2 and second.id == first.id
    # server-managed fields in a re-imported export do not count as a change
    with pytest.raises(Unchanged):
        store.save_flow({**FLOW, "description": "a > c", "id": "x", "version": 7, "lastRuntime": "2026-01-01"})


def test_drafts_live_beside_the_published_flow(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    published = store.save_flow(FLOW)
    draft = store.save_flow({**FLOW, "description": "work in progress"}, status="draft")
    assert draft.id == published.id and draft.version == 1
    assert store.get_flow("nightly").document["description"] == "a > b"
    assert store.get_flow("nightly", "draft").document["description"] == "work in progress"
    assert store.get_flow(published.id).name == "nightly"
    assert [(f.name, f.status) for f in store.list_flows()] == [("nightly", "draft"), ("nightly", "published")]
    assert store.delete_flow("nightly") and store.list_flows() == []


def test_one_running_job_per_flow(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    job = {
        "id": "a" * 32,
        "dataflowId": "f1",
        "dataflowName": "nightly",
        "startTime": "2026-03-01T00:00:00.000Z",
        "attemptNumber": 1,
        "owner": "host:1",
    }
    store.start_job(job)
    with pytest.raises(AlreadyRunning, match=f"already running \\(job {'a' * 32}\\)"):
        store.start_job({**job, "id": "b" * 32})
    store.start_job({**job, "id": "c" * 32, "dataflowId": "f2"})  # another flow may run
    store.finish_job({**job, "status": "succeeded", "endTime": "2026-03-01T00:01:00.000Z"})
    store.start_job({**job, "id": "b" * 32})  # free again
    assert {j["id"] for j in store.running_jobs()} == {"b" * 32, "c" * 32}
    assert store.request_kill("b" * 32) and store.kill_requested("b" * 32)
    assert not store.request_kill("a" * 32)  # not running


def test_watermarks(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    assert store.get_watermark("f1") is None
    store.set_watermark("f1", "2026-03-01T02:00:00.000Z", "j1")
    store.set_watermark("f1", "2026-03-02T02:00:00.000Z", "j2")
    assert store.get_watermark("f1").isoformat() == "2026-03-02T02:00:00+00:00"


def test_migrations_are_versioned(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    assert store.schema_version == len(MIGRATIONS)
    open_store(tmp_path)  # reopening an up-to-date database changes nothing
    with sqlite3.connect(tmp_path / "state.db") as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer release"):
        open_store(tmp_path)


def test_connector_state_is_kept_per_scope_and_key(tmp_path: Path) -> None:
    from dataflow.runtime.state import StoreState

    store = open_store(tmp_path)
    state = StoreState(store)
    state.put("silverpop.rows:https://api:1", {"u1": {"keys": [["u1", "7"]]}, "u2": {"keys": []}})
    state.put("silverpop.rows:https://api:2", {"u1": {"keys": [["u1", "9"]]}})
    assert state.get("silverpop.rows:https://api:1", ["u1", "u3"]) == {"u1": {"keys": [["u1", "7"]]}}
    keys = [f"u{i}" for i in range(1200)]  # more keys than one query takes
    state.put("big", {key: {"n": i} for i, key in enumerate(keys)})
    assert len(state.get("big", keys)) == 1200
    state.put("silverpop.rows:https://api:1", {"u1": None})  # None forgets the key
    assert state.get("silverpop.rows:https://api:1", ["u1", "u2"]) == {"u2": {"keys": []}}
    assert StoreState(open_store(tmp_path)).get("silverpop.rows:https://api:2", ["u1"])  # survives the process
