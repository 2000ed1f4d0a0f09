"""The store's sites: keys, isolation of flows/schedulings/jobs per site, full replaces, search, live progress,
and the migration that brings a version-1 database forward without losing its rows; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dataflow import jsonio
from dataflow.store import LOCAL_SITE, FlowExists, Store, StoreError, Unchanged
from dataflow.store.dialects import PostgresDialect, SQLiteDialect
from dataflow.store.migrations import MIGRATIONS

FLOW = {"name": "nightly", "description": "a > b", "steps": []}


def test_sites_hold_keys_and_never_list_secrets(store: Store) -> None:
    site = store.add_site("KEY1", "Acme")
    store.add_site_key("KEY1", "UK1", "c2VjcmV0")
    with pytest.raises(StoreError, match="exists already"):
        store.add_site("KEY1", "again")
    with pytest.raises(LookupError):
        store.add_site_key("NOPE", "UK", "x")
    assert site.api_key == "KEY1" and store.site_secret("KEY1", "UK1") == "c2VjcmV0"
    assert store.site_secret("KEY1", "other") is None
    listed = store.list_sites()
    assert [(s.api_key, s.name, s.user_keys) for s in listed] == [("KEY1", "Acme", ("UK1",))]
    assert "c2VjcmV0" not in repr(listed)
    assert store.delete_site("KEY1") and store.site_secret("KEY1", "UK1") is None


def test_each_site_sees_only_its_own_flows_and_names_repeat_across_sites(store: Store) -> None:
    local = store.save_flow(FLOW)
    acme = store.create_flow(FLOW, "published", "ACME")
    assert local.id != acme.id and acme.site == "ACME" and local.site == LOCAL_SITE
    assert [f.id for f in store.list_flows()] == [local.id]
    assert [f.id for f in store.list_flows("ACME")] == [acme.id]
    assert store.get_flow(acme.id) is None and store.get_flow(acme.id, site=None).site == "ACME"
    with pytest.raises(FlowExists):
        store.create_flow(FLOW, "published", "ACME")
    assert not store.delete_flow(acme.id)  # not the local site's
    assert store.delete_flow(acme.id, "ACME") and store.get_flow(local.id) is not None


def test_replace_flow_by_id_renames_bumps_and_refuses_unchanged(store: Store) -> None:
    created = store.create_flow(FLOW, "published", "S")
    renamed = store.replace_flow(created.id, {**FLOW, "name": "nightly-2"}, "published", "S")
    assert (renamed.id, renamed.name, renamed.version) == (created.id, "nightly-2", 2)
    with pytest.raises(Unchanged):
        store.replace_flow(created.id, {**FLOW, "name": "nightly-2", "version": 9}, "published", "S")
    draft = store.replace_flow(created.id, {**FLOW, "name": "nightly-2", "description": "wip"}, "draft", "S")
    assert (draft.id, draft.status, draft.version) == (created.id, "draft", 1)
    with pytest.raises(LookupError):
        store.replace_flow(created.id, FLOW, "published", "OTHER")
    store.create_flow({**FLOW, "name": "taken"}, "published", "S")
    with pytest.raises(FlowExists, match="'taken'"):
        store.replace_flow(created.id, {**FLOW, "name": "taken"}, "published", "S")


def test_schedulings_per_site_and_full_replace(store: Store) -> None:
    flow = store.create_flow(FLOW, "published", "S")
    base = {"name": "hourly", "dataflowId": flow.id, "frequencyType": "hour", "frequencyInterval": 1}
    first = store.add_scheduling({**base, "nextJobStartTime": "2026-03-01T00:00:00.000Z"}, "S")
    store.add_scheduling({**base, "nextJobStartTime": "2026-03-01T00:00:00.000Z"})  # same name, local site
    store.set_scheduling_times(first["id"], first["nextJobStartTime"], "2026-03-01T00:05:00.000Z", 2)
    replaced = store.replace_scheduling(
        {**first, "enabled": False, "nextJobStartTime": "2026-04-01T00:00:00.000Z"}, "S"
    )
    assert replaced["enabled"] is False and replaced["apiKey"] == "S"
    assert (replaced["nextJobStartTime"], replaced["retryAt"], replaced["retryAttempt"]) == (
        "2026-04-01T00:00:00.000Z",
        None,
        0,
    )
    assert sorted(s["apiKey"] for s in store.list_schedulings(None)) == sorted(["S", LOCAL_SITE])
    assert [s["id"] for s in store.list_schedulings("S")] == [first["id"]]
    assert store.get_scheduling(first["id"]) is None  # not the local site's
    with pytest.raises(LookupError):
        store.replace_scheduling({**first, "id": "missing"}, "S")


def test_search_filters_orders_and_limits_per_site(store: Store) -> None:
    a = store.create_flow({**FLOW, "name": "a"}, "published", "S")
    store.create_flow({**FLOW, "name": "b"}, "published", "S")
    store.create_flow({**FLOW, "name": "c"}, "draft", "S")
    store.create_flow({**FLOW, "name": "a"}, "published", "T")
    names = [d["name"] for d in store.search("dataflow", "S", order_by=[("name", True)])]
    assert names == ["b", "a"]
    found = store.search("dataflow", "S", equals={"id": a.id})
    assert [(d["id"], d["status"], d["apiKey"], d["version"]) for d in found] == [(a.id, "published", "S", 1)]
    assert [d["name"] for d in store.search("dataflow_draft", "S")] == ["c"]
    assert len(store.search("dataflow", "S", limit=1)) == 1
    with pytest.raises(StoreError, match="cannot search on 'steps'"):
        store.search("dataflow", "S", equals={"steps": []})
    with pytest.raises(StoreError, match="unknown table"):
        store.search("accounts", "S")


def test_running_jobs_show_live_counters_until_they_finish(store: Store) -> None:
    job = {
        "id": "j" * 32,
        "apiKey": "S",
        "dataflowId": "f1",
        "dataflowName": "nightly",
        "startTime": "2026-03-01T00:00:00.000Z",
        "attemptNumber": 1,
        "owner": "host:1",
    }
    store.start_job(job)
    store.set_job_progress(job["id"], {"src": {"in": 5, "out": 5}}, "2026-03-01T00:00:01.000Z")
    running = store.get_job(job["id"])
    assert running["counters"] == {"src": {"in": 5, "out": 5}} and running["updateTime"] == "2026-03-01T00:00:01.000Z"
    assert running["apiKey"] == "S" and store.list_jobs() == [] and len(store.list_jobs(site="S")) == 1
    store.finish_job({**job, "status": "succeeded", "endTime": "2026-03-01T00:00:02.000Z", "counters": {"src": {}}})
    done = store.get_job(job["id"])
    assert done["counters"] == {"src": {}} and done["updateTime"] == "2026-03-01T00:00:02.000Z"
    store.set_job_progress(job["id"], {"src": {"in": 9}}, "2026-03-01T00:00:03.000Z")  # too late: ignored
    assert store.get_job(job["id"])["counters"] == {"src": {}}
    by_status = store.search("idx_job_status", "S", equals={"status": "succeeded"})
    assert [j["id"] for j in by_status] == [job["id"]]


def test_a_version_1_database_is_brought_forward_with_its_rows(
    store_url: str | None, tmp_path: Path, open_test_store: Callable[[], Store]
) -> None:
    dialect = PostgresDialect(store_url) if store_url else SQLiteDialect(tmp_path / "home" / "state.db")
    with dialect.transaction() as db:
        for statement in MIGRATIONS[0].split(";"):
            if statement.strip():
                db.execute(statement)
        dialect.set_schema_version(db, 1)
        db.execute(
            "INSERT INTO dataflows VALUES ('f1', 'old', 'published', 3, ?, '2026-01-01', '2026-01-02')",
            (jsonio.dumps({"name": "old", "steps": []}),),
        )
        db.execute(
            "INSERT INTO schedulings (id, name, dataflow_id, document, created, updated)"
            " VALUES ('s1', 'sched', 'f1', ?, '2026-01-01', '2026-01-01')",
            (jsonio.dumps({"name": "sched", "dataflowId": "f1", "frequencyType": "once"}),),
        )
        db.execute(
            "INSERT INTO jobs (id, dataflow_id, dataflow_name, status, start_time, end_time, attempt_number, owner)"
            " VALUES ('j1', 'f1', 'old', 'succeeded', '2026-01-03', '2026-01-04', 1, 'h:1')"
        )
    dialect.close()
    store = open_test_store()
    assert store.schema_version == len(MIGRATIONS)
    flow = store.get_flow("old")
    assert (flow.id, flow.version, flow.site) == ("f1", 3, LOCAL_SITE)
    assert store.get_scheduling("s1")["apiKey"] == LOCAL_SITE
    job = store.get_job("j1")
    assert (job["apiKey"], job["updateTime"]) == (LOCAL_SITE, "2026-01-04")
