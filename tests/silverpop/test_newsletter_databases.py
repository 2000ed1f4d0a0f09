"""One database per newsletter (the integration guide's best practice), from ``dataflow init`` to the sandbox org.

``customer.newsletter-databases.example.yaml`` has two newsletter databases, no master, only the Likes and GM
tables, and deleted accounts opted out rather than removed. ``init`` writes its flows; the sandbox starts with
its layout; the flows run as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataflow.cli.main import main
from dataflow.cli.silverpop import load
from steps.silverpop import ops
from tests.silverpop.conftest import FLOWS, client_for
from tests.silverpop.world import World, start_world

CONFIG_PATH = FLOWS / "customer.newsletter-databases.example.yaml"
CONFIG = load(CONFIG_PATH)
DATABASES = {item.subscription: (int(item.list_id or 0), item.field) for item in CONFIG.newsletters}


@pytest.fixture
def org(tmp_path: Path, capsys: pytest.CaptureFixture) -> Iterator[World]:
    out = tmp_path / "acme"
    assert main(["init", "silverpop", "--config", str(CONFIG_PATH), "--out", str(out)]) == 0
    capsys.readouterr()
    world = start_world(CONFIG_PATH, 40, tmp_path, out)
    yield world
    world.gigya.stop()
    world.sp.stop()


def subscribers(world: World, subscription: str) -> set[str]:
    return {
        uid for uid, a in world.accounts().items() if a["subscriptions"][subscription]["email"]["isSubscribed"] is True
    }


def members(world: World, subscription: str) -> dict[str, dict[str, Any]]:
    return world.contacts(DATABASES[subscription][0])


def test_init_writes_only_the_flows_of_the_tables_given(org: World) -> None:
    names = sorted(path.name for path in org.flows.glob("*.json"))
    assert names == ["inbound-optouts.json", "outbound-accounts.json", "outbound-deletions.json",
                     "outbound-gm.json", "outbound-likes.json"]  # fmt: skip
    assert sorted(path.name for path in (org.flows / "tables").iterdir()) == ["GM.csv", "Likes.csv"]
    assert (org.flows / "tables" / "GM.csv").read_text() == "GigyaUid,ChallengeId,Level,PointsTotal,LastUpdated\n"
    checklist = (org.flows / "silverpop-setup.md").read_text()
    assert "### Weekly Newsletter (list id 3456701): newsletter database" in checklist
    assert "| WeeklySubscribed | Yes/No | 1 | `subscriptions.newsletterWeekly.email.isSubscribed` |" in checklist
    assert "Favorites" not in checklist and "Signals" not in checklist


def test_each_contact_is_written_to_the_databases_of_its_newsletters(org: World) -> None:
    world = org
    first = world.run("outbound-accounts.json")
    for subscription, (_, field) in DATABASES.items():
        found = members(world, subscription)
        assert set(found) == subscribers(world, subscription) != set()
        assert {contact["fields"][field] for contact in found.values()} == {"Yes"}
    weekly_writer = "silverpop Weekly Newsletter"
    assert first["counters"][weekly_writer]["filtered"] == 40 - len(subscribers(world, "newsletterWeekly"))
    leaving = sorted(subscribers(world, "newsletterWeekly"))[0]
    never = sorted(set(world.accounts()) - subscribers(world, "newsletterWeekly"))[0]
    world.gigya.update_account(leaving, {"subscriptions": {"newsletterWeekly": {"email": {"isSubscribed": False}}}})
    world.gigya.update_account(never, {"profile": {"firstName": "Still not subscribed"}})
    world.run("outbound-accounts.json")
    weekly = members(world, "newsletterWeekly")
    assert weekly[leaving]["fields"]["WeeklySubscribed"] == "No"  # told, not removed
    assert never not in weekly  # nobody is added to a newsletter they never subscribed to


def test_tables_join_every_newsletter_database_and_deletions_opt_out(org: World) -> None:
    world = org
    world.run("outbound-accounts.json")
    world.run("outbound-likes.json")
    assert world.sp.joins("Likes") == {list_id: [("GigyaUid", "GigyaUid")] for list_id, _ in DATABASES.values()}
    gone = next(
        uid
        for uid in subscribers(world, "newsletterWeekly") & subscribers(world, "newsletterOffers")
        if world.gigya.account(uid)["profile"].get("likes")
    )
    world.gigya.call("accounts.deleteAccount", UID=gone)
    status = world.run("outbound-deletions.json")
    assert status["counters"]["remove"]["out"] == 1
    for subscription in DATABASES:
        assert members(world, subscription)[gone]["optedOut"]  # deletedAccounts: optOut keeps the contact
    assert not [row for row in world.sp.rows("Likes") if row["GigyaUid"] == gone]


def test_an_opt_out_in_one_newsletter_database_unsubscribes_only_that_newsletter(org: World) -> None:
    world = org
    world.run("outbound-accounts.json")
    both = sorted(subscribers(world, "newsletterWeekly") & subscribers(world, "newsletterOffers"))[0]
    weekly_list = DATABASES["newsletterWeekly"][0]
    ops.opt_out_recipient(client_for(world.sp), str(weekly_list), {"GigyaUid": both})
    status = world.run("inbound-optouts.json")
    assert status["counters"]["account"]["out"] == 1
    account = world.gigya.account(both)
    assert account["subscriptions"]["newsletterWeekly"]["email"]["isSubscribed"] is False
    assert account["subscriptions"]["newsletterOffers"]["email"]["isSubscribed"] is True
