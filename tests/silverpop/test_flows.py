"""The sample flows in flows/silverpop, end to end: Gigya sandbox -> Silverpop sandbox, and back.

Each runs as shipped, filled from ``customer.example.yaml`` (ids swapped for the sandbox's, the secrets read
from the job's environment through the config's ``${env:...}``), with only the connection pointed at the
sandbox (``apiUrl``, SFTP host/port and its host key instead of ``podNumber``). Assertions are on the sandboxes'
state: the exact contacts and rows Silverpop holds, and exactly which Gigya accounts changed and how.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from dataflow.validation import validate_path
from sandbox.gigya import GigyaSandbox
from sandbox.silverpop import ManualClock, SilverpopConfig, SilverpopSandbox
from steps.silverpop.values import gmt_timestamp
from steps.storage.ssh_keys import SITE_KNOWN_HOSTS
from tests.silverpop.conftest import (
    DATABASES,
    FLOWS,
    REGISTRY,
    assert_reconciled,
    client_for,
    connection,
    gigya_environ,
    opt_out,
    run_document,
    upsert,
)
from tests.silverpop.flow_scripts import SCRIPTS

CONFIG = yaml.safe_load((FLOWS / "customer.example.yaml").read_text())
NEWSLETTERS = ("Weekly", "Offers", "Product")
SECRET_ENV = {"SILVERPOP_CLIENT_SECRET", "SILVERPOP_REFRESH_TOKEN"}


class World:
    """Both sandboxes, and how to run a sample flow between them."""

    def __init__(self, gigya: GigyaSandbox, silverpop: SilverpopSandbox, clock: ManualClock, work: Path) -> None:
        self.gigya, self.sp, self.clock, self.work = gigya, silverpop, clock, work
        self.runs = 0

    @property
    def variables(self) -> dict[str, Any]:
        tables = self.sp.tables
        return {
            **CONFIG,
            "clientId": self.sp.config.client_id,
            "listId": self.sp.lists["Gigya Master"],
            "likesTableId": tables["Likes"],
            "favoritesTableId": tables["Favorites"],
            "gmTableId": tables["GM"],
            "signalsTableId": tables["Signals"],
        }

    @property
    def environ(self) -> dict[str, str]:
        return {
            **gigya_environ(self.gigya),
            "SILVERPOP_CLIENT_SECRET": self.sp.config.client_secret,
            "SILVERPOP_REFRESH_TOKEN": self.sp.config.refresh_token,
        }

    def document(self, name: str) -> dict[str, Any]:
        """The sample flow as shipped, its Silverpop steps pointed at the sandbox instead of a pod."""
        document = json.loads((FLOWS / name).read_text())
        pointed = {
            key: value
            for key, value in connection(self.sp).items()
            if key not in ("clientId", "clientSecret", "refreshToken")
        }
        for step in document["steps"]:
            if ".silverpop" in step["type"]:
                step["params"].pop("podNumber")
                step["params"].update(pointed)
        return document

    def run(self, name: str, **variables: Any) -> dict[str, Any]:
        document = self.document(name)
        self.runs += 1
        options = {"environ": self.environ, "full_extract": True, **variables.pop("options", {})}
        status, _ = run_document(document, self.work / f"run{self.runs}", {**self.variables, **variables}, **options)
        assert_reconciled(status)
        text = json.dumps(status)
        assert self.sp.config.client_secret not in text and self.sp.config.refresh_token not in text
        return status

    def accounts(self) -> dict[str, dict[str, Any]]:
        return {uid: self.gigya.account(uid) for uid in (self.gigya.uid(i) for i in range(self.gigya.count()))}


@pytest.fixture
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """40 Gigya accounts (or ``@pytest.mark.parametrize("world", [N], indirect=True)``) and an empty database."""
    clock = ManualClock(1_700_000_000.0)
    config = SilverpopConfig(contacts=0, databases=DATABASES, job_waiting_s=0, job_running_s=0)
    silverpop = SilverpopSandbox(config, clock=clock, tick_s=0.01).start()
    gigya = GigyaSandbox(accounts=getattr(request, "param", 40), seed=3).start()
    try:
        yield World(gigya, silverpop, clock, tmp_path)
    finally:
        gigya.stop()
        silverpop.stop()


def mobile(account: dict[str, Any]) -> str:
    phones = account["profile"].get("phones") or []
    return next((p["number"] for p in phones[:2] if p["type"] == "mobile"), "")


def expected_contact(account: dict[str, Any], phones: bool) -> dict[str, str]:
    profile, subscriptions = account["profile"], account["subscriptions"]
    yes = {True: "Yes", False: "No", "true": "Yes", "false": "No"}
    contact = {
        "EMAIL": profile["email"],
        "GigyaUid": account["UID"],
        "FirstName": profile["firstName"],
        "LastName": profile["lastName"],
        "Country": profile["country"],
        "City": profile["city"],
        "Gender": profile["gender"],
        "SocialProviders": account["socialProviders"],
        "Subscribed": yes[account["data"]["subscribed"]],
        "MobilePhone": mobile(account) if phones else "",
        "BirthDate": "",
        "LastUpdated": gmt_timestamp(str(account["lastUpdatedTimestamp"])),
        "Score": "",
        "EngagementScore": "",
    }
    for name in NEWSLETTERS:
        contact[f"Newsletter{name}"] = yes[subscriptions[f"newsletter{name}"]["email"]["isSubscribed"]]
    return contact


def contacts(world: World) -> dict[str, dict[str, str]]:
    return {c["fields"]["GigyaUid"]: c["fields"] for c in world.sp.contacts("Gigya Master")}


def time_text(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%m/%d/%Y %H:%M:%S")


def variables_used() -> set[str]:
    found: set[str] = set()
    for path in FLOWS.glob("*.json"):
        found |= set(re.findall(r"\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}", path.read_text()))
    return found


def test_the_example_config_holds_exactly_what_the_flows_use() -> None:
    assert variables_used() == set(CONFIG)
    for name in ("clientSecret", "refreshToken"):
        assert re.fullmatch(r"\$\{env:[A-Z_]+\}", CONFIG[name]), name
    for path in FLOWS.glob("*.json"):
        for secret in ("clientSecret", "refreshToken", "password"):
            for value in re.findall(rf'"{secret}": "([^"]*)"', path.read_text()):
                assert value == f"{{{{{secret}}}}}", (path.name, secret)


@pytest.mark.parametrize("name", sorted(path.name for path in FLOWS.glob("*.json")))
def test_each_flow_validates_with_the_example_config(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ``dataflow validate FLOW --config customer.example.yaml`` on a site with a known_hosts file for SFTP."""
    monkeypatch.delenv(SITE_KNOWN_HOSTS, raising=False)
    refused = validate_path(FLOWS / name, CONFIG, REGISTRY)
    if any(".silverpop" in step["type"] for step in json.loads((FLOWS / name).read_text())["steps"]):
        assert not refused.ok and "no host key configured for transfer-campaign-us-5.goacoustic.com" in str(
            [d.message for d in refused.diagnostics]
        )
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("transfer-campaign-us-5.goacoustic.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC4gHIiA\n")
    monkeypatch.setenv(SITE_KNOWN_HOSTS, str(known_hosts))
    validated = validate_path(FLOWS / name, CONFIG, REGISTRY)
    assert validated.ok, [d.format() for d in validated.diagnostics]


def test_the_flows_scripts_are_the_documented_ones() -> None:
    found = {}
    for path in FLOWS.glob("*.json"):
        for step in json.loads(path.read_text())["steps"]:
            if step["type"] == "record.evaluate":
                found[path.name] = base64.b64decode(step["params"]["script"]).decode()
    assert found == {
        "outbound-favorites.json": SCRIPTS["favorites"],
        "inbound-optouts.json": SCRIPTS["optouts"],
        "inbound-scoring.json": SCRIPTS["scoring"],
    }


@pytest.mark.parametrize("phones", [True, False])
def test_outbound_accounts(world: World, phones: bool) -> None:
    status = world.run("outbound-accounts.json", syncPhoneNumbers=phones)
    accounts = world.accounts()
    assert status["counters"]["silverpop"]["out"] == len(accounts) == 40
    assert contacts(world) == {uid: expected_contact(account, phones) for uid, account in accounts.items()}
    assert any(c["MobilePhone"] for c in contacts(world).values()) is phones


@pytest.mark.parametrize(("world", "method"), [(40, "API"), (700, "import")], indirect=["world"])
def test_outbound_likes(world: World, method: str) -> None:
    """40 accounts have ~80 likes (InsertUpdateRelationalTable); 700 have more than 1,000 (ImportTable)."""
    status = world.run("outbound-likes.json")
    expected = sorted(
        (
            {
                "GigyaUid": uid,
                "LikeId": like["id"],
                "Name": like["name"],
                "Category": like["category"],
                "CreatedTime": time_text(like["time"]),
            }
            for uid, account in world.accounts().items()
            for like in account["profile"].get("likes") or []
        ),
        key=lambda row: (row["GigyaUid"], row["LikeId"]),
    )
    assert world.sp.rows("Likes") == expected
    assert status["counters"]["likes"]["out"] == len(expected) > 0
    assert world.sp.joins("Likes") == {world.sp.lists["Gigya Master"]: [("GigyaUid", "GigyaUid")]}
    imports = [job for job in world.sp.jobs() if job["kind"] == "IMPORT_TABLE"]
    assert len(imports) == (1 if method == "import" else 0)
    assert (len(expected) > 1000) is (method == "import")


def test_outbound_favorites(world: World) -> None:
    world.run("outbound-favorites.json")
    expected = sorted(
        (
            {
                "GigyaUid": uid,
                "FavoriteType": kind,
                "FavoriteId": item["id"],
                "Name": item["name"],
                "Category": item["category"],
            }
            for uid, account in world.accounts().items()
            for kind, items in (account["profile"].get("favorites") or {}).items()
            for item in items
        ),
        key=lambda row: (row["GigyaUid"], row["FavoriteType"], row["FavoriteId"]),
    )
    assert expected and world.sp.rows("Favorites") == expected


def test_outbound_gm(world: World) -> None:
    world.run("outbound-gm.json")
    expected = sorted(
        (
            {
                "GigyaUid": uid,
                "ChallengeId": item["challengeID"],
                "Level": str(item["level"]),
                "PointsTotal": str(item["pointsTotal"]),
                "LastUpdated": time_text(item["lastLevelUpTime"]),
            }
            for uid in world.accounts()
            for item in world.gigya.call("gm.getChallengeStatus", UID=uid)["achievements"]
        ),
        key=lambda row: (row["GigyaUid"], row["ChallengeId"]),
    )
    assert expected and world.sp.rows("GM") == expected


def test_outbound_signals(world: World) -> None:
    uids = [world.gigya.uid(i) for i in range(3)]
    signals = [
        (uids[0], "visits", "12"),
        (uids[0], "cartValue", "99.5"),
        (uids[1], "visits", "3"),
        (uids[2], "visits", "7"),
    ]
    for number, (uid, name, value) in enumerate(signals):
        data = {"name": name, "value": value, "timestamp": f"2024-03-0{number + 1}T08:30:00Z"}
        world.gigya.call("ds.store", type="signals", oid=f"sig{number}", UID=uid, data=data)
    world.run("outbound-signals.json")
    expected = sorted(
        (
            {"GigyaUid": uid, "SignalName": name, "Value": value, "Timestamp": f"03/0{n + 1}/2024 08:30:00"}
            for n, (uid, name, value) in enumerate(signals)
        ),
        key=lambda row: (row["GigyaUid"], row["SignalName"]),
    )
    assert world.sp.rows("Signals") == expected


def without_times(account: dict[str, Any]) -> dict[str, Any]:
    """An account with the timestamps a write bumps (and subscription-state stamps) left out."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if "lastUpdated" not in k}
        return node

    return strip(account)


@pytest.fixture
def synced(world: World) -> World:
    """Silverpop holds every Gigya account (outbound-accounts ran); the clock then moves past that import."""
    world.run("outbound-accounts.json")
    world.clock.advance(3600)
    return world


def test_inbound_optouts_change_exactly_the_accounts_that_changed_in_silverpop(synced: World) -> None:
    world = synced
    since = datetime.fromtimestamp(world.clock.now(), UTC)
    world.clock.advance(60)
    client = client_for(world.sp)
    master = world.sp.lists["Gigya Master"]
    before = world.accounts()
    uids = list(before)
    opted_out, flipped, touched = uids[0], uids[1], uids[2]
    opt_out(client, master, before[opted_out]["profile"]["email"])
    was = before[flipped]["subscriptions"]["newsletterOffers"]["email"]["isSubscribed"]
    upsert(client, master, GigyaUid=flipped, NewsletterOffers="No" if was else "Yes")
    upsert(client, master, GigyaUid=touched, FirstName="Renamed in Silverpop")  # modified, nothing to bring back
    world.clock.advance(60)
    status = world.run("inbound-optouts.json", options={"full_extract": False, "watermark": since})
    assert status["counters"]["silverpop"]["out"] == 3
    assert status["counters"]["account"]["out"] == 2
    after = world.accounts()
    changed = {uid for uid in uids if after[uid] != before[uid]}
    assert changed == {opted_out, flipped}
    for name in NEWSLETTERS:
        assert after[opted_out]["subscriptions"][f"newsletter{name}"]["email"]["isSubscribed"] is False
    assert after[opted_out]["data"]["subscribed"] == "false"
    assert after[flipped]["subscriptions"]["newsletterOffers"]["email"]["isSubscribed"] is (not was)
    expected_flipped = without_times(before[flipped])
    expected_flipped["subscriptions"]["newsletterOffers"]["email"]["isSubscribed"] = not was
    assert without_times(after[flipped]) == expected_flipped
    assert contacts(world)[opted_out]["NewsletterWeekly"] in ("Yes", "No")  # Silverpop's own fields untouched


@pytest.mark.parametrize("enabled", [True, False])
def test_inbound_scoring(synced: World, enabled: bool) -> None:
    world = synced
    client = client_for(world.sp)
    master = world.sp.lists["Gigya Master"]
    before = world.accounts()
    uids = list(before)
    scores = {uids[3]: ("42", "7.5"), uids[4]: ("0", ""), uids[5]: ("990", "12")}
    for uid, (score, engagement) in scores.items():
        upsert(client, master, GigyaUid=uid, Score=score, EngagementScore=engagement)
    status = world.run("inbound-scoring.json", syncScoring=enabled, scoringFields="Score,EngagementScore")
    after = world.accounts()
    changed = {uid for uid in uids if after[uid] != before[uid]}
    if not enabled:
        assert changed == set() and status["counters"]["account"]["in"] == 0
        return
    assert changed == set(scores)
    assert after[uids[3]]["data"]["silverpopScoring"] == {"Score": 42, "EngagementScore": 7.5}
    assert after[uids[4]]["data"]["silverpopScoring"] == {"Score": 0}
    assert after[uids[5]]["data"]["silverpopScoring"] == {"Score": 990, "EngagementScore": 12}
    again = world.run("inbound-scoring.json", syncScoring=True, scoringFields="Score,EngagementScore")
    assert again["counters"]["account"]["in"] == 0  # nothing changed since: nothing is written back
