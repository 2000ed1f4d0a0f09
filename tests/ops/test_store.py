"""The state store, on SQLite and on PostgreSQL: versions and drafts, the refusal of unchanged saves, job locks
and their leases, watermarks, claims of due slots, migrations."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from dataflow.store import AlreadyRunning, Store, StoreError, Unchanged
from dataflow.store.migrations import MIGRATIONS

FLOW = {"name": "nightly", "description": "a > b", "steps": []}
JOB = {
    "id": "a" * 32,
    "dataflowId": "f1",
    "dataflowName": "nightly",
    "startTime": "2026-03-01T00:00:00.000Z",
    "attemptNumber": 1,
    "owner": "host:1",
}


def test_save_bumps_version_and_refuses_unchanged(store: Store) -> None:
    first = store.save_flow(FLOW)
    assert (first.version, first.status) == (1, "published") and len(first.id) == 32
    with pytest.raises(Unchanged, match="'nightly' \\(published\\) has not changed; still version 1"):
        store.save_flow(dict(FLOW))
    second = store.save_flow({**FLOW, "description": "a > c"})
    assert second.version == 2 and second.id == first.id
    # server-managed fields in a re-imported export do not count as a change
    with pytest.raises(Unchanged):
        store.save_flow({**FLOW, "description": "a > c", "id": "x", "version": 7, "lastRuntime": "2026-01-01"})


def test_drafts_live_beside_the_published_flow(store: Store) -> None:
    published = store.save_flow(FLOW)
    draft = store.save_flow({**FLOW, "description": "work in progress"}, status="draft")
    assert draft.id == published.id and draft.version == 1
    assert store.get_flow("nightly").document["description"] == "a > b"
    assert store.get_flow("nightly", "draft").document["description"] == "work in progress"
    assert store.get_flow(published.id).name == "nightly"
    assert [(f.name, f.status) for f in store.list_flows()] == [("nightly", "draft"), ("nightly", "published")]
    assert store.delete_flow("nightly") and store.list_flows() == []


def test_one_running_job_per_flow(store: Store) -> None:
    store.start_job(JOB)
    with pytest.raises(AlreadyRunning, match=f"already running \\(job {'a' * 32}\\)"):
        store.start_job({**JOB, "id": "b" * 32})
    store.start_job({**JOB, "id": "c" * 32, "dataflowId": "f2"})  # another flow may run
    store.finish_job({**JOB, "status": "succeeded", "endTime": "2026-03-01T00:01:00.000Z"})
    store.start_job({**JOB, "id": "b" * 32})  # free again
    assert {j["id"] for j in store.running_jobs()} == {"b" * 32, "c" * 32}
    assert store.request_kill("b" * 32) and store.kill_requested("b" * 32)
    assert not store.request_kill("a" * 32)  # not running


def test_a_lock_lapses_only_when_its_lease_runs_out(store: Store) -> None:
    store.start_job(JOB, lease_seconds=0.6)
    time.sleep(0.3)
    assert store.renew_lease(JOB["id"], "host:1", 0.6)  # the owner renews: the lock holds past the first lease
    time.sleep(0.4)
    with pytest.raises(AlreadyRunning):
        store.start_job({**JOB, "id": "b" * 32, "owner": "other:2"})
    assert not store.renew_lease(JOB["id"], "other:2", 60)  # only the owner renews
    time.sleep(0.7)
    assert store.get_job(JOB["id"])["leaseExpired"]
    store.start_job({**JOB, "id": "b" * 32, "owner": "other:2"})  # the lease ran out: taken over
    dead = store.get_job(JOB["id"])
    assert dead["status"] == "failed" and "its lease ran out" in dead["errorMessage"]
    assert not store.renew_lease(JOB["id"], "host:1", 60)  # the old owner finds out on its next renewal
    late = {**JOB, "status": "succeeded", "endTime": "2026-03-01T00:05:00.000Z"}
    assert not store.complete_job(late, "host:1")  # ... and cannot record its outcome or move the watermark
    assert store.get_job(JOB["id"])["status"] == "failed" and store.get_watermark("f1") is None


def test_complete_job_records_and_moves_the_watermark_only_on_success(store: Store) -> None:
    store.start_job(JOB)
    failed = {**JOB, "status": "failed", "endTime": "2026-03-01T00:01:00.000Z", "errorMessage": "boom"}
    assert store.complete_job(failed, "host:1")
    assert store.get_watermark("f1") is None
    store.start_job({**JOB, "id": "b" * 32, "startTime": "2026-03-01T01:00:00.000Z"})
    succeeded = {**JOB, "id": "b" * 32, "startTime": "2026-03-01T01:00:00.000Z", "status": "succeeded"}
    assert store.complete_job({**succeeded, "endTime": "2026-03-01T01:01:00.000Z"}, "host:1")
    assert store.get_watermark("f1").isoformat() == "2026-03-01T01:00:00+00:00"
    assert not store.mark_failed("b" * 32, "too late", "2026-03-01T02:00:00.000Z")  # not running any more


def test_watermarks(store: Store) -> None:
    assert store.get_watermark("f1") is None
    store.set_watermark("f1", "2026-03-01T02:00:00.000Z", "j1")
    store.set_watermark("f1", "2026-03-02T02:00:00.000Z", "j2")
    assert store.get_watermark("f1").isoformat() == "2026-03-02T02:00:00+00:00"


def test_a_due_slot_is_claimed_once_by_concurrent_claimers(open_test_store: Callable[[], Store]) -> None:
    store = open_test_store()
    for index in range(12):
        store.add_scheduling({"name": f"s{index}", "dataflowId": f"f{index}", "nextJobStartTime": "2026-03-01"})
    handles = [open_test_store() for _ in range(4)]
    claimed: list[tuple[int, str]] = []
    start = threading.Barrier(len(handles))

    def claimer(number: int, handle: Store) -> None:
        start.wait()
        for _ in range(10):
            for scheduling in handle.claim_schedulings(lambda s: (None, None, 0) if s["nextJobStartTime"] else None):
                claimed.append((number, scheduling["name"]))

    threads = [threading.Thread(target=claimer, args=(n, h)) for n, h in enumerate(handles)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(name for _, name in claimed) == sorted(f"s{index}" for index in range(12))
    assert all(s["nextJobStartTime"] is None for s in store.list_schedulings())


def test_claims_stop_at_the_limit_and_leave_the_rest_due(store: Store) -> None:
    for index in range(5):
        store.add_scheduling({"name": f"s{index}", "dataflowId": "f", "nextJobStartTime": f"2026-03-0{index + 1}"})
    first = store.claim_schedulings(lambda s: (None, None, 0), limit=2)
    assert [s["name"] for s in first] == ["s0", "s1"]  # the earliest slots first
    store.set_retry(first[0]["id"], "2026-03-09", 2)
    rest = store.claim_schedulings(lambda s: None if s["retryAt"] else (None, None, 0))
    assert [s["name"] for s in rest] == ["s2", "s3", "s4"]
    assert store.get_scheduling("s0")["retryAt"] == "2026-03-09" and store.get_scheduling("s0")["retryAttempt"] == 2


def test_migrations_are_versioned(open_test_store: Callable[[], Store]) -> None:
    store = open_test_store()
    assert store.schema_version == len(MIGRATIONS)
    open_test_store()  # reopening an up-to-date database changes nothing
    with store.dialect.transaction() as db:
        store.dialect.set_schema_version(db, len(MIGRATIONS) + 1)
    with pytest.raises(StoreError, match="newer release"):
        open_test_store()


def test_connector_state_is_kept_per_scope_and_key(open_test_store: Callable[[], Store]) -> None:
    from dataflow.runtime.state import StoreState

    state = StoreState(open_test_store())
    state.put("silverpop.rows:https://api:1", {"u1": {"keys": [["u1", "7"]]}, "u2": {"keys": []}})
    state.put("silverpop.rows:https://api:2", {"u1": {"keys": [["u1", "9"]]}})
    assert state.get("silverpop.rows:https://api:1", ["u1", "u3"]) == {"u1": {"keys": [["u1", "7"]]}}
    keys = [f"u{i}" for i in range(1200)]  # more keys than one query takes
    state.put("big", {key: {"n": i} for i, key in enumerate(keys)})
    assert len(state.get("big", keys)) == 1200
    state.put("silverpop.rows:https://api:1", {"u1": None})  # None forgets the key
    assert state.get("silverpop.rows:https://api:1", ["u1", "u2"]) == {"u2": {"keys": []}}
    assert StoreState(open_test_store()).get("silverpop.rows:https://api:2", ["u1"])  # survives the process
