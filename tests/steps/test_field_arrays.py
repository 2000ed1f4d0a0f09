"""field.array.join and field.array.extract: semantics, paths, counters (one-to-many), the Game Mechanics flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dataflow.component import Component
from dataflow.testing import build_component, drive


def run(tmp_path: Path, type_name: str, params: dict[str, Any], *batches: list[dict]) -> tuple[Component, list, list]:
    component = build_component(type_name, params, tmp_path / "work")
    emitted, rejected = drive(component, list(batches))
    assert component.counters.reconciles(), component.counters
    return component, emitted, rejected


# ----------------------------------------------------------------------------------------- field.array.join


def test_join_defaults_and_value_spelling(tmp_path: Path) -> None:
    records = [{"tags": ["a", None, 1, 2.5, True, {"k": "v"}, [1]]}, {"tags": []}, {"tags": "already"}, {}]
    component, out, _ = run(tmp_path, "field.array.join", {"field": "tags"}, records)
    assert out == [{"tags": 'a,1,2.5,true,{"k":"v"},[1]'}, {"tags": ""}, {"tags": "already"}, {}]
    assert component.counters.as_dict() == {"in": 4, "out": 4, "errors": 0, "filtered": 0, "added": 0}


def test_join_path_inside_elements_target_and_nested_field(tmp_path: Path) -> None:
    phones = [{"type": "home", "number": "111"}, {"type": "fax"}, {"number": None}, "junk", {"number": "222"}]
    records = [{"UID": "u1", "profile": {"phones": phones}}]
    params = {"field": "profile.phones", "path": "number", "separator": " | ", "targetField": "PHONES"}
    _, out, _ = run(tmp_path, "field.array.join", params, records)
    assert out[0]["PHONES"] == "111 | 222"
    assert out[0]["profile"]["phones"] is phones  # the array stays when a target is given


def test_join_literal_dotted_key_and_quoted_target(tmp_path: Path) -> None:
    records = [{"data.interests": ["ski", "jazz"], "data": {"interests": ["x"]}}]
    params = {"field": "data.interests", "separator": ";", "targetField": "'data.joined'"}
    _, out, _ = run(tmp_path, "field.array.join", params, records)
    assert out == [{"data.interests": ["ski", "jazz"], "data": {"interests": ["x"]}, "data.joined": "ski;jazz"}]


# -------------------------------------------------------------------------------------- field.array.extract

GAME_MECHANICS = {"field": "achievements", "propagationFields": ["UID"], "generateKey": True}


def gm_account(uid: str, achievements: list[dict] | None) -> dict:
    """An account as datasource.lookup.gigya.gm leaves it in the Game Mechanics template."""
    record: dict[str, Any] = {
        "UID": uid,
        "profile": {"firstName": "Ann", "lastName": "Lee", "gender": "f", "nickname": "ann", "email": "a@x.com"},
    }
    if achievements is not None:
        record["achievements"] = achievements
    return record


def test_game_mechanics_template(tmp_path: Path) -> None:
    """gameMechanics-outbound: account → gm lookup → field.array.extract → file.format.dsv."""
    records = [
        gm_account(
            "u1",
            [
                {"challengeID": "_default", "level": 2, "title": "Rookie", "pointsTotal": 150},
                {"challengeID": "social", "level": 1, "title": "Sharer", "pointsTotal": 20, "UID": "not-mine"},
            ],
        ),
        gm_account("u2", []),
        gm_account("u3", None),
        gm_account("u4", [{"challengeID": "_default", "level": 5, "title": "Pro", "pointsTotal": 900}]),
    ]
    component, rows, rejected = run(tmp_path, "field.array.extract", GAME_MECHANICS, records[:2], records[2:])
    assert rejected == []
    assert rows == [
        {"_key": "u1_0", "UID": "u1", "challengeID": "_default", "level": 2, "title": "Rookie", "pointsTotal": 150},
        {"_key": "u1_1", "UID": "u1", "challengeID": "social", "level": 1, "title": "Sharer", "pointsTotal": 20},
        {"_key": "u4_0", "UID": "u4", "challengeID": "_default", "level": 5, "title": "Pro", "pointsTotal": 900},
    ]
    # per record: u2 and u3 had nothing to extract (filtered), u1 gave one row more than it was (added)
    assert component.counters.as_dict() == {"in": 4, "out": 3, "errors": 0, "filtered": 2, "added": 1}

    dsv = build_component("file.format.dsv", {"fileName": "test_GM.csv", "columnSeparator": ","}, tmp_path / "dsv")
    files, _ = drive(dsv, [rows])
    assert files[0].path.read_text().splitlines() == [
        "_key,UID,challengeID,level,title,pointsTotal",
        "u1_0,u1,_default,2,Rookie,150",
        "u1_1,u1,social,1,Sharer,20",
        "u4_0,u4,_default,5,Pro,900",
    ]


def test_extract_scalars_lone_values_nulls_and_nested_paths(tmp_path: Path) -> None:
    records = [
        {"UID": "u1", "data": {"tags": ["a", None, "c"]}, "profile": {"email": "a@x.com"}},
        {"UID": "u2", "data": {"tags": "solo"}},
        {"UID": "u3", "data": {"tags": None}},
        {"UID": "u4", "data": {"tags": ""}},
    ]
    params = {"field": "data.tags", "propagationFields": ["UID", "profile.email"], "generateKey": True}
    component, rows, _ = run(tmp_path, "field.array.extract", params, records)
    assert rows == [
        {"_key": "u1_a@x.com_0", "UID": "u1", "profile": {"email": "a@x.com"}, "data": {"tags": "a"}},
        {"_key": "u1_a@x.com_2", "UID": "u1", "profile": {"email": "a@x.com"}, "data": {"tags": "c"}},
        {"_key": "u2__0", "UID": "u2", "data": {"tags": "solo"}},
    ]
    assert rows[0]["profile"] is not rows[1]["profile"]  # propagated values are copies
    assert component.counters.as_dict() == {"in": 4, "out": 3, "errors": 0, "filtered": 2, "added": 1}


def test_extract_without_key_or_propagation_and_literal_keys(tmp_path: Path) -> None:
    records = [{"profile.phones": [{"number": "1"}, {"number": "2"}], "UID": "u1"}]
    _, rows, _ = run(tmp_path, "field.array.extract", {"field": "'profile.phones'"}, records)
    assert rows == [{"number": "1"}, {"number": "2"}]


def test_extract_key_without_propagation_is_a_stable_hash(tmp_path: Path) -> None:
    def records() -> list[dict]:
        return [{"UID": "u1", "items": [{"a": 1}, {"a": 2}]}, {"UID": "u2", "items": [{"a": 1}]}]

    params = {"field": "items", "generateKey": True, "keyField": "rowId"}
    _, first, _ = run(tmp_path, "field.array.extract", params, records())
    _, again, _ = run(tmp_path, "field.array.extract", params, records())
    keys = [row["rowId"] for row in first]
    assert keys == [row["rowId"] for row in again]
    assert len(set(keys)) == 3
    assert keys[0].endswith("_0") and keys[1].endswith("_1") and keys[0][:-2] == keys[1][:-2]
    assert list(first[0]) == ["rowId", "a"]


def test_extract_scalar_into_a_scalar_propagated_parent_is_a_reject(tmp_path: Path) -> None:
    records = [{"data.tags": ["x", "y"], "data": "text"}, {"data.tags": ["z"], "data": {"id": 1}}]
    params = {"field": "data.tags", "propagationFields": ["data"]}
    component, rows, rejected = run(tmp_path, "field.array.extract", params, records)
    assert rows == [{"data": {"id": 1, "tags": "z"}}]
    assert len(rejected) == 1 and rejected[0][0] is records[0] and "data" in rejected[0][1]
    assert component.counters.as_dict() == {"in": 2, "out": 1, "errors": 1, "filtered": 0, "added": 0}
