"""accounts.* methods: read shapes, setAccountInfo merge semantics, imports, deletion; the generated data."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox.gigya import GigyaSandbox, ManualClock
from sandbox.gigya.fastfields import fast_fields
from sandbox.gigya.generator import DATA_END_MS, AccountGenerator
from tests.sandbox.client import Client


def test_get_account_info_default_include_and_extra_profile_fields(
    gigya_sandbox: GigyaSandbox, gigya_client: Client
) -> None:
    uid = gigya_sandbox.uid(5)
    stored = gigya_sandbox.account(uid)
    body = gigya_client.ok("accounts.getAccountInfo", UID=uid)
    assert body["UID"] == uid and body["lastUpdatedTimestamp"] == stored["lastUpdatedTimestamp"]
    assert {"profile", "data", "subscriptions"} <= body.keys() and "loginIDs" not in body
    assert "likes" not in body["profile"] and "phones" not in body["profile"]
    assert body["profile"]["email"] == stored["profile"]["email"]
    assert body["UIDSignature"] and body["signatureTimestamp"].isdigit()
    extra = gigya_client.ok(
        "accounts.getAccountInfo", UID=uid, include="profile,loginIDs", extraProfileFields="likes,favorites"
    )
    assert extra["profile"]["likes"] == stored["profile"]["likes"] and "data" not in extra
    assert extra["loginIDs"] == stored["loginIDs"]
    assert gigya_client.call("accounts.getAccountInfo", UID=uid, include="nonsense")["errorCode"] == 400006
    assert gigya_client.call("accounts.getAccountInfo")["errorCode"] == 400002
    assert gigya_client.call("accounts.getAccountInfo", UID="0" * 32)["errorCode"] == 403005


def test_set_account_info_deep_merges_deletes_nulls_and_bumps_last_updated(
    clocked_sandbox: GigyaSandbox, clocked_client: Client, gigya_clock: ManualClock
) -> None:
    uid = clocked_sandbox.uid(9)
    before = clocked_sandbox.account(uid)
    gigya_clock.advance(10)
    clocked_client.ok(
        "accounts.setAccountInfo",
        UID=uid,
        profile={"firstName": "Zoë", "lastName": None, "phones": [{"type": "work", "number": "+1 555"}]},
        data={"subscribed": "false", "newField": {"a": 1}},
        subscriptions={"newsletterOffers": {"email": {"isSubscribed": True}}},
    )
    after = clocked_sandbox.account(uid)
    now_ms = int(gigya_clock.now() * 1000)
    assert after["profile"]["firstName"] == "Zoë" and "lastName" not in after["profile"]
    assert after["profile"]["phones"] == [{"type": "work", "number": "+1 555"}]  # arrays are replaced whole
    assert after["profile"]["email"] == before["profile"]["email"]  # untouched fields stay
    assert after["data"] == {**before["data"], "subscribed": "false", "newField": {"a": 1}}
    offers = after["subscriptions"]["newsletterOffers"]["email"]
    assert offers["isSubscribed"] is True and offers["lastUpdatedSubscriptionState"] == after["lastUpdated"]
    assert offers["tags"] == before["subscriptions"]["newsletterOffers"]["email"]["tags"]
    assert after["lastUpdatedTimestamp"] == now_ms > before["lastUpdatedTimestamp"]
    assert after["lastUpdated"].startswith("2025-06-15T")
    assert after["created"] == before["created"]
    clocked_client.ok("accounts.setAccountInfo", UID=uid, data={"newField": {"a": None, "b": 2}})
    assert clocked_sandbox.account(uid)["data"]["newField"] == {"b": 2}


def test_set_account_info_other_params_and_validation(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    uid = gigya_sandbox.uid(11)
    gigya_client.ok("accounts.setAccountInfo", UID=uid, isActive=False, addLoginEmails="second@example.com", lang="de")
    after = gigya_sandbox.account(uid)
    assert after["isActive"] is False and after["lang"] == "de"
    assert after["loginIDs"]["emails"][-1] == "second@example.com"
    first_email = after["loginIDs"]["emails"][0]
    gigya_client.ok("accounts.setAccountInfo", UID=uid, removeLoginEmails=first_email)
    assert gigya_sandbox.account(uid)["loginIDs"]["emails"] == ["second@example.com"]
    bad = gigya_client.call("accounts.setAccountInfo", UID=uid, profile={"birthYear": "1980", "gender": "x"})
    assert bad["errorCode"] == 400009
    assert {e["fieldName"] for e in bad["validationErrors"]} == {"profile.birthYear", "profile.gender"}
    assert gigya_sandbox.account(uid)["profile"]["birthYear"] == after["profile"]["birthYear"]  # nothing applied
    assert gigya_client.call("accounts.setAccountInfo", UID=uid, data="[1]")["errorCode"] == 400006
    assert gigya_client.call("accounts.setAccountInfo", UID="nope", data={})["errorCode"] == 403005
    verified = next(i for i in range(200) if gigya_sandbox.account(gigya_sandbox.uid(i))["isVerified"])
    gigya_client.ok("accounts.setAccountInfo", UID=gigya_sandbox.uid(verified), isVerified=False)
    assert gigya_sandbox.account(gigya_sandbox.uid(verified))["isVerified"] is True  # irreversible


def test_import_full_account_insert_upsert_and_create_uid(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    created = gigya_client.ok(
        "accounts.importFullAccount",
        UID="imported-1",
        profile={"email": "imp@example.com", "firstName": "Imp"},
        data={"subscribed": "true"},
        loginIDs={"emails": ["imp@example.com"]},
        password={"hashedPassword": "aGFzaA==", "hashSettings": {"algorithm": "sha256"}},
        created="2020-02-02T02:02:02.000Z",
        isVerified=True,
    )
    assert created["UID"] == "imported-1"
    doc = gigya_sandbox.account("imported-1")
    assert doc["createdTimestamp"] == 1580608922000 and doc["isVerified"] is True and doc["isActive"] is True
    assert doc["hasFullAccount"] is True and doc["password"]["hashSettings"]["algorithm"] == "sha256"
    duplicate = gigya_client.call("accounts.importFullAccount", UID="imported-1", profile={"firstName": "X"})
    assert duplicate["errorCode"] == 400003
    gigya_client.ok(
        "accounts.importFullAccount",
        UID="imported-1",
        importPolicy="upsert",
        profile={"lastName": "Orter"},
        loginIDs={"emails": ["new@example.com"]},
    )
    doc = gigya_sandbox.account("imported-1")
    assert doc["profile"] == {"email": "imp@example.com", "firstName": "Imp", "lastName": "Orter"}  # merged
    assert doc["loginIDs"] == {"emails": ["new@example.com"]}  # a field group is replaced whole
    generated = gigya_client.ok("accounts.importFullAccount", createUID=True, profile={"firstName": "Auto"})
    assert re.fullmatch(r"[0-9a-f]{32}", generated["UID"])
    assert gigya_client.call("accounts.importFullAccount", profile={})["errorCode"] == 400002
    found = gigya_client.ok("accounts.search", query='SELECT * FROM accounts WHERE profile.firstName = "Imp"')
    assert [r["UID"] for r in found["results"]] == ["imported-1"]
    assert "password" not in found["results"][0]  # search never returns the password
    assert gigya_sandbox.count() == 202


def test_import_lite_account_creates_then_updates_and_lives_in_email_accounts(
    gigya_sandbox: GigyaSandbox, gigya_client: Client
) -> None:
    first = gigya_client.ok(
        "accounts.importLiteAccount",
        email="Lite@Example.com",
        profile={"firstName": "Li"},
        subscriptions={"newsletterWeekly": {"email": {"isSubscribed": True}}},
    )
    again = gigya_client.ok("accounts.importLiteAccount", email="lite@example.com", data={"source": "shop"})
    assert first["UID"] == again["UID"]
    lite = gigya_client.ok("accounts.search", query="SELECT * FROM emailAccounts")
    assert lite["totalCount"] == 1
    row = lite["results"][0]
    assert row["hasLiteAccount"] is True and row["hasFullAccount"] is False and row["data"] == {"source": "shop"}
    assert row["subscriptions"]["newsletterWeekly"]["email"]["lastUpdatedSubscriptionState"]
    assert gigya_client.ok("accounts.search", query="SELECT count(*) FROM accounts")["results"] == [{"count(*)": 200}]
    both = gigya_client.ok("accounts.search", query="SELECT count(*) FROM accounts", accountTypes="full,lite")
    assert both["results"] == [{"count(*)": 201}]
    only_lite = gigya_client.ok("accounts.search", query="SELECT UID FROM accounts", accountTypes="lite")
    assert [r["UID"] for r in only_lite["results"]] == [first["UID"]]
    assert gigya_sandbox.count("lite") == 1


def test_delete_account_removes_it_everywhere(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    uid = gigya_sandbox.uid(3)
    gigya_client.ok("accounts.deleteAccount", UID=uid)
    assert gigya_sandbox.account(uid) is None and gigya_sandbox.count() == 199
    assert gigya_client.call("accounts.getAccountInfo", UID=uid)["errorCode"] == 403005
    assert gigya_client.call("accounts.deleteAccount", UID=uid)["errorCode"] == 403005
    found = gigya_client.ok("accounts.search", query=f'SELECT UID FROM accounts WHERE UID = "{uid}"')
    assert found["totalCount"] == 0


def test_admin_hooks_between_two_runs(clocked_sandbox: GigyaSandbox, gigya_clock: ManualClock) -> None:
    sandbox = clocked_sandbox
    watermark = int(gigya_clock.now() * 1000)
    gigya_clock.advance(5)
    changed = sandbox.update_account(sandbox.uid(1), {"data": {"subscribed": "false"}, "isActive": False})
    assert changed["isActive"] is False and changed["lastUpdatedTimestamp"] > watermark
    new_uid = sandbox.put_account({"profile": {"email": "x@example.com"}})
    delta = sandbox.call("accounts.search", query=f"SELECT UID FROM accounts WHERE lastUpdatedTimestamp > {watermark}")
    assert sorted(r["UID"] for r in delta["results"]) == sorted([sandbox.uid(1), new_uid])
    copy = sandbox.account(sandbox.uid(1))
    copy["data"]["subscribed"] = "mutated"
    assert sandbox.account(sandbox.uid(1))["data"]["subscribed"] == "false"  # copies, not the stored object
    assert sandbox.delete_account(new_uid) and not sandbox.delete_account(new_uid)
    assert [row["endpoint"] for row in sandbox.audit_rows()] == ["accounts.search"]


def test_generated_accounts_are_deterministic_and_realistic() -> None:
    first, second = AccountGenerator(4, 1000), AccountGenerator(4, 1000)
    assert all(first.account(i) == second.account(i) for i in range(0, 1000, 37))
    assert AccountGenerator(5, 1000).account(3) != first.account(3)
    docs = [first.account(i) for i in range(1000)]
    assert len({d["UID"] for d in docs}) == 1000 and len({d["profile"]["email"] for d in docs}) == 1000
    assert [first.index_of(d["UID"]) for d in docs[:50]] == list(range(50))
    assert first.index_of("f" * 32) is None and first.index_of("short") is None
    created = [d["createdTimestamp"] for d in docs]
    assert created == sorted(created)
    for doc in docs:
        assert doc["createdTimestamp"] <= doc["lastLoginTimestamp"] <= doc["lastUpdatedTimestamp"] < DATA_END_MS
        assert doc["data"]["subscribed"] in ("true", "false")
        assert doc["data"]["subscribed"] == json.dumps(
            doc["subscriptions"]["newsletterWeekly"]["email"]["isSubscribed"]
        )
        assert doc["profile"]["gender"] in "mfu" and 1940 <= doc["profile"]["birthYear"] <= 2008
        assert doc["loginIDs"]["emails"] == [doc["profile"]["email"]]
        assert all({"type", "number"} == set(p) for p in doc["profile"]["phones"])
        assert all({"name", "category", "id", "time", "timestamp"} == set(like) for like in doc["profile"]["likes"])
    share = sum(d["data"]["subscribed"] == "true" for d in docs) / 1000
    assert 0.5 < share < 0.8
    assert sum(bool(d["profile"]["likes"]) for d in docs) > 500
    assert sum(bool(d["profile"]["favorites"]) for d in docs) > 500
    assert any("music" in d["profile"]["favorites"] for d in docs)
    assert sum(not d["isVerified"] for d in docs) > 50 and sum(not d["isActive"] for d in docs) > 5


def test_fast_fields_equal_the_generated_account() -> None:
    generator = AccountGenerator(2, 5000)
    fast = fast_fields(generator)
    from sandbox.gigya.documents import path_values, split

    for i in range(0, 5000, 7):
        doc = generator.account(i)
        for path, compute in fast.items():
            assert compute(i) == path_values(doc, split(path)), (i, path)


def test_lite_accounts_at_start(sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(accounts=10, lite_accounts=25)
    assert (sandbox.count(), sandbox.count("lite")) == (10, 25)
    found = sandbox.call("accounts.search", query="SELECT email FROM emailAccounts LIMIT 100")
    assert found["totalCount"] == 25 and all(r["email"].startswith("lite.") for r in found["results"])
