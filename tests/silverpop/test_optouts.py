"""Opt-outs between Silverpop and Gigya: read as RawRecipientDataExport events, and neither side's newer change
overwritten by the other's older one (in both directions), with the shipped flows between the two sandboxes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from steps.silverpop import ops
from tests.silverpop.conftest import client_for, upsert
from tests.silverpop.world import MASTER, NEWSLETTERS, World


def subscribed(account: dict[str, Any]) -> set[str]:
    return {name for name in NEWSLETTERS if account["subscriptions"][name]["email"]["isSubscribed"]}


def opt_out(world: World, uid: str) -> None:
    ops.opt_out_recipient(client_for(world.sp), str(MASTER), {"GigyaUid": uid})


def resubscribe_later(world: World, uid: str, newsletter: str) -> None:
    """The person subscribes again in Gigya, after (a minute later than) the opt-out Silverpop recorded."""
    later = int(time.time() * 1000) + 60_000
    world.gigya.update_account(uid, {"subscriptions": {newsletter: {"email": {"isSubscribed": True}}}}, now_ms=later)


@pytest.fixture
def synced(world: World) -> World:
    world.run("outbound-accounts.json")
    return world


def test_inbound_unsubscribes_from_opt_out_events_unless_gigya_is_newer(synced: World) -> None:
    world = synced
    accounts = world.accounts()
    candidates = [uid for uid, a in accounts.items() if len(subscribed(a)) >= 2]
    opted, came_back, renamed = candidates[0], candidates[1], candidates[2]
    since = datetime.now(UTC) - timedelta(seconds=1)
    opt_out(world, opted)
    opt_out(world, came_back)
    again = sorted(subscribed(accounts[came_back]))[0]
    resubscribe_later(world, came_back, again)
    upsert(client_for(world.sp), MASTER, GigyaUid=renamed, FirstName="Renamed in Silverpop")  # no event
    before = world.accounts()
    status = world.run("inbound-optouts.json", full_extract=False, watermark=since)
    assert status["counters"]["optOuts"]["out"] == 2  # events, not every contact the import modified
    assert status["counters"]["account"]["out"] == 2
    after = world.accounts()
    assert {uid for uid in after if after[uid] != before[uid]} == {opted, came_back}
    assert subscribed(after[opted]) == set()
    assert subscribed(after[came_back]) == {again}  # Gigya's later choice stands
    repeat = world.run("inbound-optouts.json", full_extract=False, watermark=since)
    assert repeat["counters"]["account"]["in"] == 0  # already unsubscribed: nothing written twice


def test_outbound_never_pushes_a_value_older_than_a_silverpop_opt_out(synced: World) -> None:
    world = synced
    fields = dict(NEWSLETTERS)
    accounts = world.accounts()
    candidates = [uid for uid, a in accounts.items() if len(subscribed(a)) >= 2]
    older, newer = candidates[0], candidates[1]
    for uid in (older, newer):
        opt_out(world, uid)
        world.gigya.update_account(uid, {"profile": {"firstName": "Changed in Gigya"}})  # sent again
    came_back = sorted(subscribed(accounts[newer]))[0]
    resubscribe_later(world, newer, came_back)
    status = world.run("outbound-accounts.json")
    contacts = world.contacts()
    assert all(contacts[older]["fields"][fields[name]] == "No" for name in NEWSLETTERS)
    assert contacts[older]["fields"]["FirstName"] == "Changed in Gigya"  # the rest of the contact is synced
    assert contacts[newer]["fields"][fields[came_back]] == "Yes"
    others = subscribed(accounts[newer]) - {came_back}
    assert all(contacts[newer]["fields"][fields[name]] == "No" for name in others)
    assert any("older than the contact's opt-out" in line for line in status["trace"])
    assert contacts[older]["optedOut"] and contacts[newer]["optedOut"]  # the import never opts anyone back in
