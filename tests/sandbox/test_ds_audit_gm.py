"""ds.*, audit.search and gm.getChallengeStatus."""

from __future__ import annotations

from sandbox.gigya import GigyaSandbox
from tests.sandbox.client import Client


def test_ds_store_update_behaviours_get_and_delete(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    uid = gigya_sandbox.uid(2)
    stored = gigya_client.ok(
        "ds.store", type="orders", oid="o1", UID=uid, data={"items": ["a"], "total": 5, "meta": {"x": 1}}
    )
    assert stored["oid"] == "o1"
    gigya_client.ok("ds.store", type="orders", oid="o1", UID=uid, data={"items": ["b"], "meta": {"y": 2}})
    got = gigya_client.ok("ds.get", type="orders", oid="o1", UID=uid)
    assert got["data"] == {"items": ["a", "b"], "total": 5, "meta": {"x": 1, "y": 2}}  # arrayPush is the default
    assert got["UID"] == uid and got["created"] <= got["lastUpdated"] and got["createdTime"].endswith("Z")
    gigya_client.ok("ds.store", type="orders", oid="o1", UID=uid, data={"items": ["c"]}, updateBehavior="arraySet")
    assert gigya_client.ok("ds.get", type="orders", oid="o1", UID=uid)["data"]["items"] == ["c"]
    gigya_client.ok("ds.store", type="orders", oid="o1", UID=uid, data={"only": True}, updateBehavior="replace")
    assert gigya_client.ok("ds.get", type="orders", oid="o1", UID=uid)["data"] == {"only": True}
    auto = gigya_client.ok("ds.store", type="orders", oid="auto", data={"total": 1, "address": {"city": "Paris"}})
    assert len(auto["oid"]) == 32
    partial = gigya_client.ok("ds.get", type="orders", oid=auto["oid"], fields="address.city")
    assert partial["data"] == {"address": {"city": "Paris"}}
    gigya_client.ok("ds.delete", type="orders", oid=auto["oid"], fields="total")
    assert gigya_client.ok("ds.get", type="orders", oid=auto["oid"])["data"] == {"address": {"city": "Paris"}}
    gigya_client.ok("ds.delete", type="orders", oid=auto["oid"])
    assert gigya_client.call("ds.get", type="orders", oid=auto["oid"])["errorCode"] == 404000
    assert gigya_client.call("ds.get", type="orders", oid="o1")["errorCode"] == 404000  # the UID is part of the key
    assert gigya_client.call("ds.store", type="orders", oid="x")["errorCode"] == 400002
    assert gigya_client.call("ds.store", type="orders", oid="x", data={}, updateBehavior="merge")["errorCode"] == 400006
    assert gigya_client.call("ds.store", type="orders", oid="x", UID="ghost", data={})["errorCode"] == 403005
    assert len(gigya_sandbox.ds_objects("orders")) == 1


def test_ds_search(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    for n in range(6):
        gigya_client.ok("ds.store", type="reviews", oid=f"r{n}", data={"stars": n % 3 + 3, "text": f"review {n}"})
    found = gigya_client.ok("ds.search", query="SELECT data.stars, oid FROM reviews WHERE data.stars = 5 ORDER BY oid")
    assert found["results"] == [{"data": {"stars": 5}, "oid": "r2"}, {"data": {"stars": 5}, "oid": "r5"}]
    counted = gigya_client.ok("ds.search", query="SELECT count(*) FROM reviews WHERE data.text contains 'review'")
    assert counted["results"] == [{"count(*)": 6}]
    assert gigya_client.ok("ds.search", query="SELECT * FROM unknownType")["totalCount"] == 0


def test_audit_search_sees_every_call(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    uid = gigya_sandbox.uid(4)
    gigya_client.ok("accounts.deleteAccount", UID=uid)
    gigya_client.call("accounts.getAccountInfo", UID=uid)
    rows = gigya_client.ok("audit.search", query='SELECT * FROM auditLog WHERE endpoint = "accounts.deleteAccount"')
    assert rows["totalCount"] == 1
    row = rows["results"][0]
    assert row["uid"] == uid and row["errCode"] == "0" and row["userKey"] == gigya_sandbox.config.user_key
    assert "secret" not in row["params"] and row["params"]["UID"] == uid and row["@timestamp"].endswith("Z")
    failures = gigya_client.ok("audit.search", query='SELECT * FROM auditLog WHERE errCode != "0"')
    assert [r["endpoint"] for r in failures["results"]] == ["accounts.getAccountInfo"]
    assert failures["results"][0]["errCode"] == "403005"
    assert gigya_client.call("audit.search", query="SELECT endpoint FROM auditLog")["errorCode"] == 400006
    assert gigya_client.call("audit.search", query="SELECT * FROM accounts")["errorCode"] == 400006
    assert len(gigya_sandbox.audit_rows("accounts.deleteAccount")) == 1


def test_gm_challenge_status(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    uid = gigya_sandbox.uid(8)
    status = gigya_client.ok("gm.getChallengeStatus", UID=uid)
    assert status == {**status, "UID": uid} and status["achievements"]
    again = gigya_client.ok("gm.getChallengeStatus", UID=uid, includeChallenges="*")
    assert again["achievements"] == status["achievements"]  # deterministic
    for item in status["achievements"]:
        assert {"challengeID", "level", "levelTitle", "pointsTotal", "lastLevelUpTime"} <= item.keys()
        assert "description" not in item
    full = gigya_client.ok("gm.getChallengeStatus", UID=uid, details="full")
    assert all("description" in item and "badgeURL" in item for item in full["achievements"])
    first = status["achievements"][0]["challengeID"]
    only = gigya_client.ok("gm.getChallengeStatus", UID=uid, includeChallenges=first)
    assert [a["challengeID"] for a in only["achievements"]] == [first]
    without = gigya_client.ok("gm.getChallengeStatus", UID=uid, excludeChallenges=first)
    assert first not in {a["challengeID"] for a in without["achievements"]}
    gigya_sandbox.set_achievements(uid, [{"challengeID": "Custom", "level": 9}])
    assert gigya_client.ok("gm.getChallengeStatus", UID=uid)["achievements"] == [{"challengeID": "Custom", "level": 9}]
    assert gigya_client.call("gm.getChallengeStatus", UID="ghost")["errorCode"] == 403005
    counts = [
        len(gigya_client.ok("gm.getChallengeStatus", UID=gigya_sandbox.uid(i))["achievements"]) for i in range(40)
    ]
    assert min(counts) < max(counts)  # accounts differ
