"""Contacts leaving Silverpop: per-contact table rows (``rowsField``) and ``datasource.write.silverpop.remove``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dataflow.runtime.state import MemoryState
from dataflow.testing import drive
from sandbox.silverpop import SilverpopSandbox
from tests.silverpop.conftest import build, client_for, connection, upsert

MAPPING = [
    {"sourceField": "UID", "targetField": "GigyaUid"},
    {"sourceField": "id", "targetField": "LikeId"},
    {"sourceField": "name", "targetField": "Name"},
]


def likes_writer(sandbox: SilverpopSandbox, work: Path, state: MemoryState) -> Any:
    params = {**connection(sandbox), "tableId": sandbox.tables["Likes"], "fieldMapping": MAPPING, "rowsField": "likes"}
    return build("datasource.write.silverpop.table", params, work, state=state)


def rows(sandbox: SilverpopSandbox) -> list[tuple[str, str]]:
    return [(row["GigyaUid"], row["LikeId"]) for row in sandbox.rows("Likes")]


def test_a_contacts_rows_are_replaced_and_refused_rows_are_not_recorded(sp: SilverpopSandbox, tmp_path: Path) -> None:
    state = MemoryState()
    contacts = [
        {"UID": "u1", "likes": [{"id": "1", "name": "A"}, {"id": "2", "name": "B"}]},
        {"UID": "u2", "likes": [{"id": "3", "name": "C"}]},
        {"likes": [{"id": "4", "name": "D"}]},  # no UID: its rows cannot be written
    ]
    step = likes_writer(sp, tmp_path / "1", state)
    out, rejected = drive(step, [contacts])
    assert [c["UID"] for c in out] == ["u1", "u2"] and [r for _, r, _ in rejected] == [
        "no GigyaUid value: the contact's rows cannot be written"
    ]
    assert rows(sp) == [("u1", "1"), ("u1", "2"), ("u2", "3")]
    assert (step.counters.in_, step.counters.out, step.counters.errors) == (3, 2, 1)  # in contacts
    too_long = "x" * 5000  # Silverpop refuses text over 4,000 characters
    second = [{"UID": "u1", "likes": [{"id": "2", "name": "B"}, {"id": "5", "name": too_long}]}, {"UID": "u2"}]
    out, rejected = drive(likes_writer(sp, tmp_path / "2", state), [second])
    assert rows(sp) == [("u1", "2")]  # u1's like 1 and all of u2's are gone; the refused row never arrived
    assert [c["UID"] for c in out] == ["u2"] and rejected[0][1] == "Invalid Text Value in column: Name"
    third = [{"UID": "u1", "likes": [{"id": "5", "name": "short now"}]}]
    drive(likes_writer(sp, tmp_path / "3", state), [third])
    assert rows(sp) == [("u1", "5")]  # like 2 was recorded, so it is deleted now


def test_remove_takes_contacts_and_their_recorded_rows_out(sp: SilverpopSandbox, tmp_path: Path) -> None:
    state = MemoryState()
    master = sp.lists["Gigya Master"]
    client = client_for(sp)
    for uid in ("u1", "u2", "u3"):
        upsert(client, master, GigyaUid=uid, EMAIL=f"{uid}@example.com")
    drive(
        likes_writer(sp, tmp_path / "t", state), [[{"UID": "u1", "likes": [{"id": "1"}]}, {"UID": "u2", "likes": []}]]
    )
    params = {**connection(sp), "listId": master, "tables": [sp.tables["Likes"]], "uidField": "params.UID"}
    step = build("datasource.write.silverpop.remove", params, tmp_path / "r", state=state)
    records = [{"params": {"UID": "u1"}}, {"params": {"UID": "never-synced"}}, {"params": {}}]
    out, rejected = drive(step, [records])
    assert [r["params"]["UID"] for r in out] == ["u1", "never-synced"]  # not in Silverpop: nothing left to do
    assert [reason for _, reason, _ in rejected] == ["no Gigya UID in params.UID"]
    assert {c["fields"]["GigyaUid"] for c in sp.contacts(master)} == {"u2", "u3"} and rows(sp) == []
    opt_out = build("datasource.write.silverpop.remove", {**params, "action": "optOut"}, tmp_path / "o", state=state)
    drive(opt_out, [[{"params": {"UID": "u2"}}]])
    assert sp.contact(master, GigyaUid="u2")["optedOut"] is True  # still there, opted out
    wrong = build("datasource.write.silverpop.remove", {**params, "listId": [master, 999]}, tmp_path / "w")
    out, rejected = drive(wrong, [[{"params": {"UID": "u3"}}]])
    assert out == [] and rejected[0][1] == "List with id 999 Does Not Exist. (database 999)"
