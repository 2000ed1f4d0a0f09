"""The readers against the sandbox: queries, delta windows, pages, record shapes, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dataflow.errors import FatalError
from dataflow.testing import read_all
from sandbox.gigya import GigyaSandbox
from steps.gigya.read import ReadAccounts, ReadDataStore


def test_full_extract_reads_every_account_once_in_pages(build: Any, sandbox: GigyaSandbox) -> None:
    reader = build("datasource.read.gigya.account", {"select": "UID,profile.email,data", "batchSize": 70})
    batches = list(reader.source())
    reader.close()
    assert [len(batch) for batch in batches] == [70, 70, 70, 70, 20]
    uids = [record["UID"] for batch in batches for record in batch]
    assert len(uids) == len(set(uids)) == sandbox.count() == 300
    first = batches[0][0]
    assert set(first) == {"UID", "profile", "data"} and set(first["profile"]) == {"email"}  # nested, as Gigya sends
    assert first["data"] == sandbox.account(first["UID"])["data"]
    trace = "\n".join(reader.context.job.trace.snapshot())
    assert "accounts.search (full extract): SELECT UID, profile.email, data FROM accounts LIMIT 70" in trace
    assert "300 accounts match" in trace and "read 300 accounts in 5 page(s)" in trace


def test_delta_window_reads_only_what_changed(build: Any, sandbox: GigyaSandbox) -> None:
    since = datetime.now(UTC) - timedelta(seconds=5)
    changed = [sandbox.uid(i) for i in (3, 50, 299)]
    for uid in changed:
        sandbox.update_account(uid, {"data": {"touched": True}})
    reader = build("datasource.read.gigya.account", {"select": "UID,data.touched"}, delta_since=since)
    records = read_all(reader)
    assert sorted(r["UID"] for r in records) == sorted(changed)
    assert all(r["data"] == {"touched": True} for r in records)
    since_ms = int(since.timestamp() * 1000)
    assert f"WHERE lastUpdatedTimestamp > {since_ms} LIMIT 1000" in "\n".join(reader.context.job.trace.snapshot())


def test_where_and_delta_combine_and_order_by_stays_last(build: Any, sandbox: GigyaSandbox) -> None:
    since = datetime(2020, 1, 1, tzinfo=UTC)
    params = {
        "select": "UID, lastLoginTimestamp, data.loyaltyTier AS tier",
        "where": 'data.loyaltyTier = "gold" OR data.loyaltyTier = "silver" ORDER BY lastLoginTimestamp DESC',
        "deltaField": "lastLoginTimestamp",
    }
    reader = build("datasource.read.gigya.account", params, delta_since=since)
    query = reader.build_query()
    assert query == (
        "SELECT UID, lastLoginTimestamp, data.loyaltyTier AS tier FROM accounts WHERE "
        '(data.loyaltyTier = "gold" OR data.loyaltyTier = "silver") AND (lastLoginTimestamp > 1577836800000) '
        "ORDER BY lastLoginTimestamp DESC LIMIT 1000"
    )
    records = read_all(reader)
    assert records and all(r["data"]["tier"] in ("gold", "silver") for r in records)
    assert all(r["lastLoginTimestamp"] > 1577836800000 for r in records)
    stamps = [r["lastLoginTimestamp"] for r in records]
    assert stamps == sorted(stamps, reverse=True)


def test_exclude_empty_fields_and_prefetching_pages(build: Any, sandbox: GigyaSandbox) -> None:
    uid = sandbox.uid(0)
    sandbox.update_account(uid, {"data": {"empty": "", "none": [], "nested": {"blank": None}}})
    params = {"select": "*", "excludeEmptyFields": True, "batchSize": 50, "maxConcurrency": 3}
    records = read_all(build("datasource.read.gigya.account", params))
    assert len(records) == 300 and len({r["UID"] for r in records}) == 300
    mine = next(r for r in records if r["UID"] == uid)
    assert not {"empty", "none", "nested"} & set(mine["data"])


def test_email_accounts_are_the_lite_ones(build: Any, sandbox: GigyaSandbox) -> None:
    uid = sandbox.put_account({"email": "lite@example.com", "profile": {"email": "lite@example.com"}}, lite=True)
    records = read_all(build("datasource.read.gigya.account", {"select": "UID,email", "from": "emailAccounts"}))
    assert [r["UID"] for r in records] == [uid]


def test_a_rejected_query_fails_the_job_naming_the_query(build: Any) -> None:
    reader = build("datasource.read.gigya.account", {"select": "UID", "where": "data.x ==== 1"})
    with pytest.raises(FatalError, match=r"accounts.search failed: 400006 .*\(query: SELECT UID FROM accounts"):
        read_all(reader)


def test_check_params_points_at_the_problem() -> None:
    problems = list(ReadAccounts.check_params({"select": "UID, profile.email as", "where": 'a = "x" LIMIT 5'}))
    assert [(p.path, p.offset) for p in problems] == [(("select",), 5), (("where",), 8)]
    assert "LIMIT" in problems[1].message
    assert list(ReadAccounts.check_params({"select": "*", "where": 'data.start = "limit" AND (x > 1)'})) == []
    assert [p.path for p in ReadAccounts.check_params({"select": "UID", "where": "(a = 1"})] == [("where",)]
    assert [p.path for p in ReadDataStore.check_params({"from": "bad type"})] == [("from",)]


def test_data_store_reader_with_and_without_a_delta_field(build: Any, sandbox: GigyaSandbox) -> None:
    for n in range(5):
        sandbox.call("ds.store", type="orders", oid=f"o{n}", data={"total": n * 10})
    records = read_all(build("datasource.read.gigya.ds", {"from": "orders", "where": "data.total >= 20"}))
    assert sorted(r["oid"] for r in records) == ["o2", "o3", "o4"]
    assert records[0]["data"]["total"] >= 20
    later = datetime.now(UTC) + timedelta(hours=1)
    params = {"from": "orders", "deltaField": "lastUpdated"}
    assert read_all(build("datasource.read.gigya.ds", params, delta_since=later)) == []


def test_audit_reader_finds_deletions_in_the_window(build: Any, sandbox: GigyaSandbox) -> None:
    since = datetime.now(UTC) - timedelta(seconds=5)
    sandbox.call("accounts.deleteAccount", UID=sandbox.uid(7))
    params = {"where": 'endpoint = "accounts.deleteAccount"', "deltaField": "@timestamp"}
    reader = build("datasource.read.gigya.audit", params, delta_since=since)
    assert reader.build_query().startswith(
        'SELECT * FROM auditLog WHERE (endpoint = "accounts.deleteAccount") AND (@timestamp > "'
    )
    rows = read_all(reader)
    assert [row["uid"] for row in rows] == [sandbox.uid(7)]


def test_a_test_run_with_a_limit_asks_for_a_small_page(build: Any, sandbox: GigyaSandbox) -> None:
    reader = build("datasource.read.gigya.account", {"select": "UID", "batchSize": 1000}, limit=10)
    assert reader.build_query() == "SELECT UID FROM accounts LIMIT 10"
    assert len(read_all(reader)) == 10
    assert len(sandbox.audit_rows("accounts.search")) == 1


def test_consent_reads_only_accounts_that_granted_every_statement(build: Any, sandbox: GigyaSandbox) -> None:
    """``consent`` (IdentitySync's param for consent-management sites): the statements an account must have granted."""
    withdrew = sandbox.uid(4)
    sandbox.update_account(withdrew, {"preferences": {"terms": {"tos": {"isConsentGranted": False}}}})
    reader = build("datasource.read.gigya.account", {"select": "UID", "consent": ["terms.tos", "marketing.sms"]})
    assert reader.build_query() == (
        "SELECT UID FROM accounts WHERE (preferences.terms.tos.isConsentGranted = true) AND "
        "(preferences.marketing.sms.isConsentGranted = true) LIMIT 1000"
    )
    found = {record["UID"] for record in read_all(reader)}
    expected = {
        uid
        for uid in (sandbox.uid(i) for i in range(sandbox.count()))
        if uid != withdrew
        and (sandbox.account(uid).get("preferences", {}).get("marketing", {}).get("sms", {}).get("isConsentGranted"))
    }
    assert found == expected and 0 < len(found) < 300
    problems = list(ReadAccounts.check_params({"select": "UID", "consent": ["terms.tos", "not a statement"]}))
    assert [p.path for p in problems] == [("consent", 1)]
