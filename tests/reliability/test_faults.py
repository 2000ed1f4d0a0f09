"""Faults: the sample flows and the Gigya writers against sandboxes that fail 20% and 50% of calls.

Each call may be answered with a transient error (Gigya 403048/500001/504001, Silverpop HTTP 503), have its
connection dropped before it is carried out, be carried out with its answer lost (the case that punishes
retrying a call that creates something), or — on Silverpop — find its access token revoked early. What must
hold is checked in the sandboxes' own stores: every record arrives exactly once (count and distinct keys), the
job succeeds and every step's counters reconcile. At 50% the flows are given 30 retries instead of 10 (a call
then fails for good once in 2^31); the faults themselves are the same kinds.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sandbox.gigya import GigyaSandbox
from tests.gigya.conftest import run_flow
from tests.reliability.figures import Case, check, declare
from tests.reliability.services import FaultMix, World, reconcile, world
from tests.silverpop.world import MASTER

SUITE = "faults"
ACCOUNTS = 200
WRITES = 300
MIXES = {"20%": FaultMix(0.2), "50%": FaultMix(0.5, retries=30)}
LONG_ACCOUNTS = 5_000


def _declare(name: str, tried: int, unit: str, checks: str, slow: bool = False) -> dict[str, Case]:
    return {label: declare(SUITE, f"{name} at {label}", tried, unit, checks, slow) for label in MIXES}


OUTBOUND = _declare(
    "outbound-accounts (Gigya read -> Silverpop ImportList)",
    ACCOUNTS,
    "accounts",
    "exactly one contact with the account's UID and email in the Silverpop database",
)
OUTBOUND_LONG = _declare(
    "outbound-accounts, 5,000 accounts",
    LONG_ACCOUNTS,
    "accounts",
    "exactly one contact with the account's UID and email in the Silverpop database",
    slow=True,
)
LIKES = _declare(
    "outbound-likes (Gigya read -> InsertUpdateRelationalTable)",
    ACCOUNTS,
    "accounts",
    "the account's likes are the table's rows for its UID, each once",
)
INBOUND = _declare(
    "inbound-optouts, half of 100 contacts opted out (Silverpop events -> Gigya lookup -> setAccountInfo)",
    100,
    "contacts",
    "the contact's Gigya account ends exactly as after the same run without faults",
)
WRITERS = {
    kind: _declare(f"Gigya writer {kind}", WRITES, "records", checks)
    for kind, checks in (
        ("setAccountInfo", "the account carries the record's marker, written by one applied call or more"),
        ("importFullAccount without UID", "exactly one account holds the record's email"),
        ("ds.store without oid", "exactly one Data Store object holds the record's key"),
    )
}


def gigya_faults(sandbox: GigyaSandbox) -> int:
    return sum(count for kind, count in sandbox.faults.counts.items() if kind != "calls")


def silverpop_faults(sp: Any) -> int:
    return sum(sp.fault_counts.values())


def _outbound(world_: World, case: Case) -> None:
    status, _ = world_.run_sample("outbound-accounts.json")
    failures = reconcile(status)
    if status["status"] != "succeeded":
        failures.append(f"the job {status['status']}: {status.get('errorMessage')}")
    accounts = world_.accounts()
    contacts = world_.sp.contacts(MASTER)
    by_uid = Counter(contact["fields"].get("GigyaUid") for contact in contacts)
    emails = {contact["fields"].get("GigyaUid"): contact["fields"].get("EMAIL") for contact in contacts}
    for uid, account in accounts.items():
        if by_uid[uid] != 1:
            failures.append(f"{uid}: {by_uid[uid]} contacts")
        elif emails[uid] != account["profile"]["email"]:
            failures.append(f"{uid}: email {emails[uid]!r}, not {account['profile']['email']!r}")
    strays = set(by_uid) - set(accounts)
    failures += [f"a contact for an unknown UID {uid!r}" for uid in sorted(map(str, strays))]
    check(case, failures, gigyaFaults=gigya_faults(world_.gigya), silverpopFaults=silverpop_faults(world_.sp))


@pytest.mark.parametrize("label", MIXES)
def test_outbound_accounts_arrive_exactly_once(label: str, tmp_path: Path) -> None:
    with world(tmp_path, ACCOUNTS, MIXES[label]) as running:
        _outbound(running, OUTBOUND[label])
        assert gigya_faults(running.gigya) > 0 and silverpop_faults(running.sp) > 0  # the faults were there


@pytest.mark.slow
@pytest.mark.parametrize("label", MIXES)
def test_outbound_accounts_arrive_exactly_once_at_scale(label: str, tmp_path: Path) -> None:
    with world(tmp_path, LONG_ACCOUNTS, MIXES[label]) as running:
        _outbound(running, OUTBOUND_LONG[label])


@pytest.mark.parametrize("label", MIXES)
def test_outbound_likes_arrive_exactly_once(label: str, tmp_path: Path) -> None:
    case = LIKES[label]
    with world(tmp_path, ACCOUNTS, MIXES[label]) as running:
        status, _ = running.run_sample("outbound-likes.json")
        failures = reconcile(status)
        if status["status"] != "succeeded":
            failures.append(f"the job {status['status']}: {status.get('errorMessage')}")
        rows = running.sp.rows("Likes")
        held = Counter((row["GigyaUid"], row["LikeId"]) for row in rows)
        for uid, account in running.accounts().items():
            likes = {like["id"] for like in account["profile"].get("likes") or []}
            mine = {key: count for key, count in held.items() if key[0] == uid}
            if set(mine) != {(uid, like) for like in likes} or any(count != 1 for count in mine.values()):
                failures.append(f"{uid}: likes {sorted(likes)}, rows {sorted(mine.items())}")
        check(case, failures, gigyaFaults=gigya_faults(running.gigya), silverpopFaults=silverpop_faults(running.sp))


def opt_out_half(running: World) -> None:
    """The first 100 accounts as contacts; every other one opted out in Silverpop (newer than Gigya's state)."""
    for index in range(100):
        account = running.gigya.account(running.gigya.uid(index))
        fields = {"GigyaUid": account["UID"], "EMAIL": account["profile"]["email"]}
        running.sp.add_contact(MASTER, fields, opted_out=index % 2 == 0)


def _gigya_states(sandbox: GigyaSandbox, uids: list[str]) -> dict[str, Any]:
    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: strip(value) for key, value in node.items() if "lastUpdated" not in key}
        return node

    return {uid: strip(sandbox.account(uid)) for uid in uids}


@pytest.mark.parametrize("label", MIXES)
def test_inbound_optouts_change_gigya_as_a_run_without_faults_does(label: str, tmp_path: Path) -> None:
    case = INBOUND[label]
    outcomes = {}
    for mix_label, mix in (("calm", FaultMix(0.0)), (label, MIXES[label])):
        with world(tmp_path / mix_label, ACCOUNTS, mix) as running:
            opt_out_half(running)
            uids = list(running.contacts())
            status, _ = running.run_sample("inbound-optouts.json")
            outcomes[mix_label] = (status, _gigya_states(running.gigya, uids), gigya_faults(running.gigya))
    calm_status, calm, _ = outcomes["calm"]
    status, faulty, injected = outcomes[label]
    assert calm_status["status"] == "succeeded" and calm_status["counters"]["account"]["out"] >= 40
    failures = reconcile(status)
    if status["status"] != "succeeded":
        failures.append(f"the job {status['status']}: {status.get('errorMessage')}")
    failures += [f"{uid}: differs from the run without faults" for uid in calm if faulty.get(uid) != calm[uid]]
    check(case, failures, gigyaFaults=injected)
    assert injected > 0


def _writer_flow(source: Path, writer_type: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "gigya writes",
        "steps": [
            {"id": "files", "type": "datasource.read.file", "params": {"path": str(source)}, "next": ["parse"]},
            {"id": "parse", "type": "file.parse.dsv", "params": {}, "next": ["write"]},
            {"id": "write", "type": writer_type, "params": params},
        ],
    }


def _writer_input(kind: str, sandbox: GigyaSandbox) -> tuple[str, list[str]]:
    if kind == "setAccountInfo":
        return "datasource.write.gigya.account", ["UID,data.marker"] + [f"{sandbox.uid(n)},m{n}" for n in range(WRITES)]
    if kind == "importFullAccount without UID":
        return "datasource.write.gigya.importaccount", ["profile.email,data.marker"] + [
            f"imported{n}@example.com,m{n}" for n in range(WRITES)
        ]
    return "datasource.write.gigya.ds", ["marker,amount"] + [f"m{n},{n}" for n in range(WRITES)]


def _writer_failures(kind: str, sandbox: GigyaSandbox) -> list[str]:
    if kind == "setAccountInfo":
        return [
            f"{sandbox.uid(n)}: marker {marker!r}"
            for n in range(WRITES)
            if (marker := (sandbox.account(sandbox.uid(n)).get("data") or {}).get("marker")) != f"m{n}"
        ]
    if kind == "importFullAccount without UID":
        store = sandbox.site.accounts
        found = Counter(
            (document.get("profile") or {}).get("email")
            for document in map(store.document, store.handles())
            if document is not None
        )
        return [f"imported{n}@example.com: {found[f'imported{n}@example.com']} accounts" for n in range(WRITES)
                if found[f"imported{n}@example.com"] != 1]  # fmt: skip
    found = Counter(obj["data"].get("marker") for obj in sandbox.ds_objects("orders"))
    return [f"m{n}: {found[f'm{n}']} objects" for n in range(WRITES) if found[f"m{n}"] != 1]


@pytest.mark.parametrize("kind", list(WRITERS))
@pytest.mark.parametrize("label", MIXES)
def test_gigya_writers_apply_each_record_once(label: str, kind: str, tmp_path: Path) -> None:
    case, mix = WRITERS[kind][label], MIXES[label]
    with GigyaSandbox(accounts=WRITES, seed=5, **mix.gigya()) as sandbox:
        writer_type, lines = _writer_input(kind, sandbox)
        source = tmp_path / "in"
        source.mkdir()
        (source / "records.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        params: dict[str, Any] = {"retryBackoffMs": 1, "maxRetries": mix.retries, "maxConnections": 8}
        params.update({"type": "orders"} if "ds" in writer_type else {})
        status = run_flow(_writer_flow(source, writer_type, params), tmp_path, environ=sandbox.environ)
        failures = reconcile(status)
        if status["status"] != "succeeded" or status["counters"]["write"]["out"] != WRITES:
            failures.append(f"the job {status['status']} with {status['counters']['write']}")
        failures += _writer_failures(kind, sandbox)
        check(case, failures, gigyaFaults=gigya_faults(sandbox), lost=sandbox.faults.counts["lost"])
        assert sandbox.faults.counts["lost"] > 0
