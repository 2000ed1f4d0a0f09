"""Cursor paging: complete and duplicate-free, last page without nextCursorId, replay, expiry, snapshots."""

from __future__ import annotations

from typing import Any

from sandbox.gigya import GigyaSandbox, ManualClock
from tests.sandbox.client import Client

QUERY = "SELECT UID, lastUpdatedTimestamp FROM accounts LIMIT 30"


def read_all(
    client: Client, query: str = QUERY, method: str = "accounts.search"
) -> tuple[list[str], list[dict[str, Any]]]:
    pages = [client.ok(method, query=query, openCursor=True)]
    while "nextCursorId" in pages[-1]:
        pages.append(client.ok(method, cursorId=pages[-1]["nextCursorId"]))
    return [r.get("UID", "") for page in pages for r in page["results"]], pages


def test_a_cursor_reads_everything_once_in_pages(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    uids, pages = read_all(gigya_client)
    assert uids == [gigya_sandbox.uid(i) for i in range(200)]
    assert [p["objectsCount"] for p in pages] == [30] * 6 + [20]
    assert all(p["totalCount"] == 200 for p in pages)
    assert "nextCursorId" not in pages[-1] and all("nextCursorId" in p for p in pages[:-1])


def test_an_exact_multiple_ends_without_an_empty_page(gigya_client: Client) -> None:
    _, pages = read_all(gigya_client, "SELECT UID FROM accounts LIMIT 50")
    assert [p["objectsCount"] for p in pages] == [50, 50, 50, 50]


def test_a_cursor_with_a_where_and_order_by(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    query = (
        'SELECT UID, lastUpdatedTimestamp FROM accounts WHERE data.subscribed = "true" '
        "ORDER BY lastUpdatedTimestamp LIMIT 17"
    )
    uids, pages = read_all(gigya_client, query)
    stamps = [r["lastUpdatedTimestamp"] for page in pages for r in page["results"]]
    assert stamps == sorted(stamps) and len(uids) == len(set(uids)) == pages[0]["totalCount"]
    subscribed = {
        gigya_sandbox.uid(i)
        for i in range(200)
        if gigya_sandbox.account(gigya_sandbox.uid(i))["data"]["subscribed"] == "true"
    }
    assert set(uids) == subscribed


def test_a_resent_cursor_id_replays_its_page(gigya_client: Client) -> None:
    first = gigya_client.ok("accounts.search", query=QUERY, openCursor=True)
    second = gigya_client.ok("accounts.search", cursorId=first["nextCursorId"])
    again = gigya_client.ok("accounts.search", cursorId=first["nextCursorId"])
    assert again["results"] == second["results"] and again["nextCursorId"] == second["nextCursorId"]
    third = gigya_client.ok("accounts.search", cursorId=second["nextCursorId"])
    assert third["results"][0]["UID"] not in {r["UID"] for r in second["results"]}


def test_a_faulted_page_is_retried_with_the_same_cursor_id(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    first = gigya_client.ok("accounts.search", query=QUERY, openCursor=True)
    gigya_sandbox.faults.fail_next(504001, method="accounts.search")
    failed = gigya_client.call("accounts.search", cursorId=first["nextCursorId"])
    assert failed["errorCode"] == 504001
    retried = gigya_client.ok("accounts.search", cursorId=first["nextCursorId"])
    assert retried["results"][0]["UID"] == gigya_sandbox.uid(30)


def test_cursor_ids_expire_five_minutes_after_they_were_issued(
    clocked_sandbox: GigyaSandbox, clocked_client: Client, gigya_clock: ManualClock
) -> None:
    first = clocked_client.ok("accounts.search", query=QUERY, openCursor=True)
    gigya_clock.advance(299)
    second = clocked_client.ok("accounts.search", cursorId=first["nextCursorId"])  # just in time
    gigya_clock.advance(299)
    clocked_client.ok("accounts.search", cursorId=second["nextCursorId"])  # each id has its own five minutes
    gigya_clock.advance(2)
    expired = clocked_client.call("accounts.search", cursorId=first["nextCursorId"])
    assert expired["errorCode"] == 400006 and "cursorId" in expired["errorDetails"]
    unknown = clocked_client.call("accounts.search", cursorId="nope")
    assert unknown["errorCode"] == 400006


def test_cursor_rules(gigya_client: Client) -> None:
    first = gigya_client.ok("accounts.search", query=QUERY, openCursor=True)
    both = gigya_client.call("accounts.search", query=QUERY, cursorId=first["nextCursorId"])
    assert both["errorCode"] == 400006
    start = gigya_client.call("accounts.search", query="SELECT UID FROM accounts START 5 LIMIT 5", openCursor=True)
    assert start["errorCode"] == 400006
    grouped = gigya_client.call(
        "accounts.search", query="SELECT count(*) FROM accounts GROUP BY profile.gender", openCursor=True
    )
    assert grouped["errorCode"] == 400006
    assert gigya_client.call("accounts.search")["errorCode"] == 400002
    no_cursor = gigya_client.ok("accounts.search", query=QUERY)
    assert "nextCursorId" not in no_cursor and no_cursor["objectsCount"] == 30


def test_pages_read_current_documents(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    """The match list is fixed when the search opens; later pages show later writes, and skip deletions."""
    first = gigya_client.ok(
        "accounts.search", query="SELECT UID, data.loyaltyTier FROM accounts LIMIT 30", openCursor=True
    )
    gigya_sandbox.update_account(gigya_sandbox.uid(31), {"data": {"loyaltyTier": "diamond"}})
    gigya_sandbox.delete_account(gigya_sandbox.uid(32))
    gigya_sandbox.put_account({"profile": {"firstName": "New"}})
    second = gigya_client.ok("accounts.search", cursorId=first["nextCursorId"])
    by_uid = {r["UID"]: r for r in second["results"]}
    assert by_uid[gigya_sandbox.uid(31)]["data"]["loyaltyTier"] == "diamond"
    assert gigya_sandbox.uid(32) not in by_uid and second["objectsCount"] == 29
    rest = [second]
    while "nextCursorId" in rest[-1]:
        rest.append(gigya_client.ok("accounts.search", cursorId=rest[-1]["nextCursorId"]))
    assert sum(p["objectsCount"] for p in rest) == 200 - 30 - 1  # the new account came after the search opened


def test_ds_and_audit_search_page_with_cursors(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    for n in range(25):
        gigya_sandbox.call("ds.store", type="orders", oid=f"o{n:02d}", data={"total": n})
    _, pages = read_all(
        gigya_client, "SELECT * FROM orders WHERE data.total >= 5 ORDER BY data.total LIMIT 7", "ds.search"
    )
    assert [p["objectsCount"] for p in pages] == [7, 7, 6]
    assert [r["oid"] for p in pages for r in p["results"]] == [f"o{n:02d}" for n in range(5, 25)]
    audit = gigya_client.ok(
        "audit.search", query='SELECT * FROM auditLog WHERE endpoint = "ds.store" LIMIT 10', openCursor=True
    )
    assert audit["totalCount"] == 25 and "nextCursorId" in audit


def test_tap_gigya_style_paging(gigya_sandbox: GigyaSandbox) -> None:
    """tap-gigya: GET, secret + apiKey + UID, ``True`` booleans, lowercase keywords, a missing comma,
    ``from emailAccounts``, a Basic header and a JSON content type (gigya.md §5)."""
    import requests

    for n in range(12):
        gigya_sandbox.call("accounts.importLiteAccount", email=f"tap{n}@example.com", data={"n": n})
    creds = gigya_sandbox.credentials
    query = (
        "select created, lastUpdatedTimestamp, UID, token, profile.email, "
        "subscriptions.newsletterWeekly.email.isSubscribed data.n "
        "from emailAccounts where lastUpdatedTimestamp > 0 order by lastUpdatedTimestamp limit 5"
    )
    params: dict[str, Any] = {"query": query, "secret": creds["secret"], "apiKey": creds["apiKey"], "UID": "tap",
                              "format": "json", "openCursor": True, "httpStatusCodes": True}  # fmt: skip
    headers = {"Authorization": "Basic eDo=", "Content-Type": "application/json"}
    rows = []
    while True:
        response = requests.get(f"{gigya_sandbox.url}/accounts.search", params=params, headers=headers, timeout=10)
        assert response.status_code == 200
        body = response.json()
        rows.extend(body["results"])
        if "nextCursorId" not in body:
            break
        params = {k: v for k, v in params.items() if k not in ("query", "openCursor")}
        params["cursorId"] = body["nextCursorId"]
    assert [row["data"]["n"] for row in rows] == list(range(12))
    assert all("token" not in row and row["profile"]["email"].startswith("tap") for row in rows)
