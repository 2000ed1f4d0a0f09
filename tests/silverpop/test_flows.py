"""The shipped Gigya <-> Silverpop flows (flows/silverpop), end to end between the two sandboxes.

The flows run exactly as shipped: the Silverpop sandbox starts with the layout of ``customer.example.yaml`` (its
database, tables, ids, client id and, seeded, the SFTP host key the example pins), and the job's environment
points the connections at the sandboxes, as ``dataflow run --sandbox`` does. Assertions are on the sandboxes'
state: the exact contacts and rows Silverpop holds, and exactly which Gigya accounts changed and how.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
import pytest

from dataflow.cli.silverpop import outputs
from dataflow.flowtest.model import is_test_file
from steps.silverpop.values import gmt_timestamp
from tests.silverpop.conftest import FLOWS, client_for, upsert
from tests.silverpop.world import EXAMPLE, FIXED_LINE_OR_MOBILE, MASTER, MOBILE, NEWSLETTERS, World


def test_the_shipped_files_are_what_init_writes_for_the_example() -> None:
    """Everything beside the configurations, the README and the flows' unit tests (``*.test.yaml``)."""
    written = outputs(EXAMPLE)
    shipped = {
        str(path.relative_to(FLOWS)): path.read_text()
        for path in FLOWS.rglob("*")
        if path.is_file()
        and not path.name.startswith("customer.")
        and path.name != "README.md"
        and not is_test_file(path)
    }
    assert shipped == written
    assert set(written) >= {"tables/Likes.csv", "silverpop-setup.md", "outbound-deletions.json"}


# outbound accounts: newsletters from the configuration, phones in E.164, the SMS consent, required consents ------
def phone_fields(account: dict[str, Any]) -> tuple[str, str]:
    """(MobilePhone, Phone) in E.164, read in the account's region: the first valid number the account calls
    mobile, else the first valid number libphonenumber says is a mobile; then the first other valid number."""
    region = account["lastLoginLocation"]["country"]
    numbers = []
    for phone in account["profile"].get("phones") or []:
        number = phonenumbers.parse(phone["number"], region)
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            numbers.append((phone["type"], phonenumbers.number_type(number), e164))
    chosen = next((i for i, (kind, _, _) in enumerate(numbers) if kind == "mobile"), None)
    if chosen is None:
        chosen = next((i for i, (_, line, _) in enumerate(numbers) if line in (MOBILE, FIXED_LINE_OR_MOBILE)), None)
    other = next((number for i, (_, _, number) in enumerate(numbers) if i != chosen), "")
    return (numbers[chosen][2] if chosen is not None else ""), other


def expected_contact(account: dict[str, Any]) -> dict[str, str]:
    profile = account["profile"]
    consent = account.get("preferences", {}).get("marketing", {}).get("sms", {}).get("isConsentGranted") is True
    contact = {
        "EMAIL": profile["email"],
        "GigyaUid": account["UID"],
        "FirstName": profile["firstName"],
        "LastName": profile["lastName"],
        "Gender": profile["gender"],
        "Country": profile["country"],
        "City": profile["city"],
        "SocialProviders": account["socialProviders"],
        "LastUpdated": gmt_timestamp(str(account["lastUpdatedTimestamp"])),
        "MobilePhone": phone_fields(account)[0] if consent else "",
        "Phone": phone_fields(account)[1],
        "SmsOptIn": "Yes" if consent else "No",
        "Score": "",
        "EngagementScore": "",
    }
    for subscription, field in NEWSLETTERS.items():
        contact[field] = "Yes" if account["subscriptions"][subscription]["email"]["isSubscribed"] else "No"
    return contact


def test_outbound_accounts(world: World) -> None:
    withdrawn = world.gigya.uid(5)  # took back the terms: requiredConsents keeps the account out of Silverpop
    world.gigya.update_account(withdrawn, {"preferences": {"terms": {"tos": {"isConsentGranted": False}}}})
    status = world.run("outbound-accounts.json")
    accounts = world.accounts()
    del accounts[withdrawn]
    found = {uid: contact["fields"] for uid, contact in world.contacts().items()}
    assert found == {uid: expected_contact(account) for uid, account in accounts.items()}
    assert status["counters"]["silverpop"]["out"] == 39
    mobiles = [fields["MobilePhone"] for fields in found.values() if fields["MobilePhone"]]
    assert mobiles and all(number.startswith("+") and number[1:].isdigit() for number in mobiles)
    assert any(fields["SmsOptIn"] == "No" for fields in found.values())
    national = [
        uid for uid, a in accounts.items() if (a["profile"].get("phones") or [{"number": "+"}])[-1]["number"][0] != "+"
    ]
    assert national and all(found[uid]["MobilePhone"] or found[uid]["SmsOptIn"] == "No" for uid in national)


# relational tables: removals and the one-time association -----------------------------------------------------
def like_rows(world: World) -> list[dict[str, str]]:
    rows = [
        {
            "GigyaUid": uid,
            "LikeId": like["id"],
            "Name": like["name"],
            "Category": like["category"],
            "CreatedTime": gmt_timestamp(like["time"]),
        }
        for uid, account in world.accounts().items()
        for like in account["profile"].get("likes") or []
    ]
    return sorted(rows, key=lambda row: (row["GigyaUid"], row["LikeId"]))


@pytest.mark.parametrize(("world", "method"), [(40, "API"), (700, "import")], indirect=["world"])
def test_outbound_likes_deletes_removed_likes_and_joins_once(world: World, method: str) -> None:
    """40 accounts have ~80 likes (InsertUpdateRelationalTable); 700 have more than 1,000 (ImportTable)."""
    world.run("outbound-likes.json")
    assert world.sp.rows("Likes") == like_rows(world) and len(like_rows(world)) > 0
    assert (len(like_rows(world)) > 1000) is (method == "import")
    with_likes = [uid for uid, a in world.accounts().items() if len(a["profile"].get("likes") or []) >= 2]
    one_less, none_left = with_likes[0], with_likes[1]
    likes = world.gigya.account(one_less)["profile"]["likes"]
    world.gigya.update_account(one_less, {"profile": {"likes": likes[1:]}})
    world.gigya.update_account(none_left, {"profile": {"likes": []}})
    status = world.run("outbound-likes.json")
    assert world.sp.rows("Likes") == like_rows(world)
    assert not [row for row in world.sp.rows("Likes") if row["GigyaUid"] == none_left]
    assert status["counters"]["likesTable"]["in"] == world.gigya.count()  # one record per contact
    assert any("deleted from relational table" in line for line in status["trace"])
    assert world.sp.joins("Likes") == {MASTER: [("GigyaUid", "GigyaUid")]}
    assert len(world.jobs("JOIN_TABLE")) == 1  # the second run remembered the association


def test_outbound_favorites_and_gm_delete_what_is_gone(world: World) -> None:
    world.run("outbound-favorites.json")
    world.run("outbound-gm.json")

    def favorites() -> list[tuple[str, str, str]]:
        return sorted(
            (uid, kind, item["id"])
            for uid, account in world.accounts().items()
            for kind, items in (account["profile"].get("favorites") or {}).items()
            for item in items
        )

    def achievements() -> list[tuple[str, str]]:
        found = world.gigya.call
        return sorted(
            (uid, item["challengeID"])
            for uid in world.accounts()
            for item in found("gm.getChallengeStatus", UID=uid)["achievements"]
        )

    assert [(r["GigyaUid"], r["FavoriteType"], r["FavoriteId"]) for r in world.sp.rows("Favorites")] == favorites()
    assert [(r["GigyaUid"], r["ChallengeId"]) for r in world.sp.rows("GM")] == achievements()
    fan = next(uid for uid, a in world.accounts().items() if a["profile"].get("favorites"))
    world.gigya.update_account(fan, {"profile": {"favorites": None}})
    player = world.uids()[2]
    kept = world.gigya.call("gm.getChallengeStatus", UID=player)["achievements"][:1]
    world.gigya.set_achievements(player, kept)
    world.gigya.update_account(player, {"data": {"points": 1}})  # the GM lookup runs for changed accounts
    world.run("outbound-favorites.json")
    world.run("outbound-gm.json")
    assert [(r["GigyaUid"], r["FavoriteType"], r["FavoriteId"]) for r in world.sp.rows("Favorites")] == favorites()
    assert [(r["GigyaUid"], r["ChallengeId"]) for r in world.sp.rows("GM")] == achievements()
    assert len([r for r in world.sp.rows("GM") if r["GigyaUid"] == player]) == 1


def test_outbound_signals_reads_the_sites_signals_data_store_type(world: World) -> None:
    """Signals are Data Store objects of type ``signals`` (one per user and signal); the sandbox generates them."""
    generated = world.gigya.ds_objects(EXAMPLE.signals_type)
    assert len(generated) > 10
    world.run("outbound-signals.json")
    expected = sorted(
        (o["UID"], o["data"]["name"], o["data"]["value"], gmt_timestamp(o["data"]["timestamp"])) for o in generated
    )
    found = [(r["GigyaUid"], r["SignalName"], r["Value"], r["Timestamp"]) for r in world.sp.rows("Signals")]
    assert found == expected


# deletions -----------------------------------------------------------------------------------------------------
def test_deleted_accounts_leave_silverpop_with_their_rows(world: World) -> None:
    world.run("outbound-accounts.json")
    world.run("outbound-likes.json")
    world.run("outbound-favorites.json")
    gone = [uid for uid, a in world.accounts().items() if a["profile"].get("likes")][:2]
    for uid in gone:
        assert world.gigya.call("accounts.deleteAccount", UID=uid)["errorCode"] == 0
    world.gigya.call("accounts.deleteAccount", UID="no-such-uid")  # a failed deletion: not in the audit filter
    before = set(world.contacts())
    status = world.run("outbound-deletions.json")
    assert status["counters"]["audit"]["out"] == 2 and status["counters"]["remove"]["out"] == 2
    assert set(world.contacts()) == before - set(gone)
    assert not [row for row in world.sp.rows("Likes") if row["GigyaUid"] in gone]
    assert not [row for row in world.sp.rows("Favorites") if row["GigyaUid"] in gone]
    again = world.run("outbound-deletions.json")  # the same entries again: already gone is fine
    assert again["counters"]["remove"]["out"] == 2 and again["counters"]["remove"]["errors"] == 0


# scoring -------------------------------------------------------------------------------------------------------
def test_inbound_scoring_writes_only_what_changed(world: World) -> None:
    world.run("outbound-accounts.json")
    client = client_for(world.sp)
    uids = world.uids()
    scores = {uids[3]: ("42", "7.5"), uids[4]: ("0", ""), uids[6]: ("990", "12")}
    for uid, (score, engagement) in scores.items():
        upsert(client, MASTER, GigyaUid=uid, Score=score, EngagementScore=engagement)
    before = world.accounts()
    world.run("inbound-scoring.json")
    after = world.accounts()
    assert {uid for uid in after if after[uid] != before[uid]} == set(scores)
    assert after[uids[3]]["data"]["silverpopScoring"] == {"Score": 42, "EngagementScore": 7.5}
    assert after[uids[4]]["data"]["silverpopScoring"] == {"Score": 0}
    again = world.run("inbound-scoring.json")
    assert again["counters"]["account"]["in"] == 0
