"""The writers against the sandbox: what each sends, what succeeds, what is rejected and with what."""

from __future__ import annotations

from typing import Any

import pytest

from dataflow.errors import RecordError
from dataflow.testing import drive
from sandbox.gigya import GigyaSandbox
from steps.gigya.write import WriteGeneric


def test_account_writer_merges_fields_by_uid(build: Any, sandbox: GigyaSandbox) -> None:
    uid, other = sandbox.uid(1), sandbox.uid(2)
    before = sandbox.account(uid)
    records = [
        {"UID": uid, "profile.firstName": "Ada", "data": {"subscribed": "false"}, "lastUpdatedTimestamp": 1},
        {"UID": other, "'data.odd'": "literal", "subscriptions": {"news": {"email": {"isSubscribed": True}}}},
    ]
    writer = build("datasource.write.gigya.account", {"maxConnections": 4})
    emitted, rejected = drive(writer, [records])
    assert rejected == [] and [r["UID"] for r in emitted] == [uid, other]  # input order
    assert "_response" not in emitted[0]
    after = sandbox.account(uid)
    assert after["profile"]["firstName"] == "Ada"
    assert after["profile"]["lastName"] == before["profile"]["lastName"]  # a partial update
    assert after["data"]["subscribed"] == "false" and after["data"]["loyaltyTier"] == before["data"]["loyaltyTier"]
    assert after["lastUpdatedTimestamp"] > before["lastUpdatedTimestamp"]
    assert sandbox.account(other)["subscriptions"]["news"]["email"]["isSubscribed"] is True
    trace = "\n".join(writer.context.job.trace.snapshot())
    assert "fields not sent to accounts.setAccountInfo (not among its params): data.odd" in trace
    assert "fields not sent to accounts.setAccountInfo (not among its params): lastUpdatedTimestamp" in trace


def test_account_writer_rejects_with_the_response(build: Any, sandbox: GigyaSandbox) -> None:
    records = [{"UID": "no-such-uid", "data": {"x": 1}}, {"data": {"x": 2}}, {"UID": sandbox.uid(3), "data": {"x": 3}}]
    emitted, rejected = drive(build("datasource.write.gigya.account", {"addResponse": True}), [records])
    assert [r["UID"] for r in emitted] == [sandbox.uid(3)]
    assert emitted[0]["_response"]["errorCode"] == 0 and emitted[0]["_response"]["callId"]
    (unknown, message, details), (no_uid, message2, _) = rejected
    assert unknown["_response"]["errorCode"] == 403005 and unknown["_response"]["callId"] == details["callId"]
    assert details["errorCode"] == 403005 and "UID not found" in message
    assert message2 == "the record has no UID to update" and "_response" not in no_uid


def test_import_insert_then_upsert_and_created_uids(build: Any, sandbox: GigyaSandbox) -> None:
    existing = sandbox.uid(4)
    records = [
        {"UID": "imported-1", "profile": {"email": "one@example.com"}, "data": {"source": "import"}},
        {"UID": existing, "profile": {"firstName": "Dup"}},
        {"profile": {"email": "fresh@example.com"}, "loginIDs": {"emails": ["fresh@example.com"]}},
    ]
    writer = build("datasource.write.gigya.importaccount", {"importPolicy": "insert", "addResponse": True})
    emitted, rejected = drive(writer, [[dict(r) for r in records]])
    assert [r.get("UID") for r in emitted] == ["imported-1", None]
    created = emitted[1]["_response"]["UID"]
    assert sandbox.account(created)["profile"]["email"] == "fresh@example.com"
    assert sandbox.account("imported-1")["data"] == {"source": "import"}
    ((duplicate, _, details),) = rejected
    assert duplicate["UID"] == existing and details["errorCode"] == 400003 and duplicate["_response"]["callId"]
    upsert = build("datasource.write.gigya.importaccount", {"importPolicy": "upsert"})
    emitted, rejected = drive(upsert, [[{"UID": existing, "profile": {"firstName": "Dup"}}]])
    assert rejected == [] and sandbox.account(existing)["profile"]["firstName"] == "Dup"


@pytest.mark.parametrize("policy", ["insert", "upsert"])
def test_an_import_without_uid_retried_after_a_lost_answer_creates_one_account(
    build: Any, sandbox: GigyaSandbox, policy: str
) -> None:
    before = sandbox.count()
    sandbox.faults.fail_next("lost", method="accounts.importFullAccount")
    writer = build("datasource.write.gigya.importaccount", {"importPolicy": policy, "addResponse": True})
    emitted, rejected = drive(writer, [[{"profile": {"email": "once@example.com"}}]])
    assert rejected == [] and sandbox.faults.counts["lost"] == 1
    assert sandbox.count() == before + 1
    assert sandbox.account(emitted[0]["_response"]["UID"])["profile"]["email"] == "once@example.com"


def test_identity_conflicts_can_fail_the_record(build: Any, sandbox: GigyaSandbox) -> None:
    writer = build("datasource.write.gigya.importaccount", {"handleIdentityConflicts": "fail"})
    writer.accept({"UID": "x"}, {"errorCode": 0})  # no conflicts: fine
    with pytest.raises(RecordError, match="identity conflicts: 1"):
        writer.accept({"UID": "x"}, {"errorCode": 0, "identityConflicts": [{"provider": "site", "providerUID": "x"}]})


def test_generic_writer_builds_params_from_fields_and_constants(build: Any, sandbox: GigyaSandbox) -> None:
    doomed, kept = sandbox.uid(5), sandbox.uid(6)
    params = {
        "apiMethod": "accounts.deleteAccount",
        "apiParams": [{"paramName": "UID", "sourceField": "target.uid"}, {"paramName": "context", "value": "job-1"}],
        "addResponse": True,
    }
    emitted, rejected = drive(build("datasource.write.gigya.generic", params), [[{"target": {"uid": doomed}}]])
    assert rejected == [] and emitted[0]["_response"]["context"] == "job-1"
    assert sandbox.account(doomed) is None and sandbox.account(kept) is not None
    set_info = {
        "apiMethod": "accounts.setAccountInfo",
        "apiParams": [{"paramName": "UID", "sourceField": "UID"}, {"paramName": "data", "sourceField": "request"}],
    }
    emitted, rejected = drive(build("datasource.write.gigya.generic", set_info), [[{"UID": kept, "request": {"n": 7}}]])
    assert rejected == [] and sandbox.account(kept)["data"]["n"] == 7
    problems = list(WriteGeneric.check_params({"apiParams": [{"paramName": "secret", "value": "x"}]}))
    assert [p.path for p in problems] == [("apiParams", 0, "paramName")]


def test_data_store_writer_stores_objects(build: Any, sandbox: GigyaSandbox) -> None:
    uid = sandbox.uid(8)
    records = [
        {"oid": "order-1", "UID": uid, "data": {"total": 12}, "lastUpdated": 5},
        {"total": 30, "item.sku": "A-1"},
    ]
    writer = build("datasource.write.gigya.ds", {"type": "orders", "updateBehavior": "replace", "addResponse": True})
    emitted, rejected = drive(writer, [records])
    assert rejected == []
    auto_oid = emitted[1]["_response"]["oid"]
    stored = {obj["oid"]: obj for obj in sandbox.ds_objects("orders")}
    assert stored["order-1"]["data"] == {"total": 12}
    assert stored[auto_oid]["data"] == {"total": 30, "item": {"sku": "A-1"}}


def test_a_data_store_object_without_oid_retried_after_a_lost_answer_is_stored_once(
    build: Any, sandbox: GigyaSandbox
) -> None:
    sandbox.faults.fail_next("lost", method="ds.store")
    writer = build("datasource.write.gigya.ds", {"type": "visits", "addResponse": True, "maxConnections": 1})
    emitted, rejected = drive(writer, [[{"page": "/home", "tags": ["a", "b"]}, {"oid": "auto", "page": "/cart"}]])
    assert rejected == [] and sandbox.faults.counts["lost"] == 1
    stored = {obj["oid"]: obj["data"] for obj in sandbox.ds_objects("visits")}
    assert stored == {
        emitted[0]["_response"]["oid"]: {"page": "/home", "tags": ["a", "b"]},  # arrays not pushed twice
        emitted[1]["_response"]["oid"]: {"page": "/cart"},
    }


def test_empty_batches_make_no_calls(build: Any, sandbox: GigyaSandbox) -> None:
    calls = len(sandbox.audit_rows())
    for type_name, params in (
        ("datasource.write.gigya.account", {}),
        ("datasource.write.gigya.ds", {"type": "t"}),
        ("datasource.lookup.gigya.gm", {}),
    ):
        assert drive(build(type_name, params), [[]]) == ([], [])
    assert len(sandbox.audit_rows()) == calls
