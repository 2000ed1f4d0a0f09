"""field.select, field.copy, field.move, field.add, field.flatten: semantics, paths, rejects, counters, templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dataflow.component import Component
from dataflow.testing import build_component, drive


def run(
    tmp_path: Path, type_name: str, params: dict[str, Any], records: list[dict], **job: Any
) -> tuple[Component, list[dict], list]:
    component = build_component(type_name, params, tmp_path / "work", **job)
    emitted, rejected = drive(component, [records])
    assert component.counters.reconciles(), component.counters
    return component, emitted, rejected


# --------------------------------------------------------------------------------------------- field.select


def test_select_keeps_listed_fields_in_list_order(tmp_path: Path) -> None:
    records = [{"EMAIL": "a@x.com", "UID": "u1", "extra": 1, "GigyaUid": "u1"}]
    _, out, _ = run(tmp_path, "field.select", {"fields": ["GigyaUid", "EMAIL", "UID"]}, records)
    assert out == [{"GigyaUid": "u1", "EMAIL": "a@x.com", "UID": "u1"}]
    assert list(out[0]) == ["GigyaUid", "EMAIL", "UID"]  # the DSV column order


def test_select_nested_paths_keep_nesting_and_missing_paths_leave_nothing(tmp_path: Path) -> None:
    records = [{"UID": "u1", "profile": {"email": "a@x.com", "firstName": "Ann", "age": 3}, "data": {"x": 1}}]
    params = {"fields": ["profile.firstName", "UID", "profile.email", "profile.missing", "data.none.deeper"]}
    _, out, _ = run(tmp_path, "field.select", params, records)
    assert out == [{"profile": {"firstName": "Ann", "email": "a@x.com"}, "UID": "u1"}]


def test_select_literal_dotted_keys_win_and_quoted_paths_are_literal(tmp_path: Path) -> None:
    records = [
        {"profile.email": "csv@x.com", "profile": {"email": "nested@x.com"}, "UID": "u1"},
        {"profile": {"email": "nested@x.com", "a.b": 7}, "UID": "u2"},
    ]
    params = {"fields": ["profile.email", "'profile.email'", "profile.a.b"]}
    _, out, _ = run(tmp_path, "field.select", params, records)
    assert out[0] == {"profile.email": "csv@x.com"}
    assert out[1] == {"profile": {"email": "nested@x.com", "a.b": 7}}


def test_select_mailchimp_inbound_template(tmp_path: Path) -> None:
    """mailchimp-inbound: evaluate → rename merge_fields.UID → select [UID, status] → rename status."""
    member = {
        "id": "8a25ff1d98a3",
        "email_address": "ann@example.com",
        "status": True,
        "merge_fields": {"FNAME": "Ann", "LNAME": "Lee"},
        "list_id": "57afe96172",
        "UID": "gigya-uid-1",
    }
    component, out, rejected = run(tmp_path, "field.select", {"fields": ["UID", "status"]}, [member])
    assert rejected == []
    assert out == [{"UID": "gigya-uid-1", "status": True}]
    assert component.counters.as_dict() == {"in": 1, "out": 1, "errors": 0, "filtered": 0, "added": 0}


# ----------------------------------------------------------------------------------------------- field.copy


def test_copy_is_deep_and_creates_nesting(tmp_path: Path) -> None:
    records = [{"UID": "u1", "profile": {"email": "a@x.com", "phones": [{"number": "1"}]}}]
    params = {
        "fields": [
            {"sourceField": "profile", "targetField": "backup.profile"},
            {"sourceField": "profile.email", "targetField": "EMAIL"},
            {"sourceField": "nothing", "targetField": "never"},
        ]
    }
    _, out, _ = run(tmp_path, "field.copy", params, records)
    record = out[0]
    assert record["EMAIL"] == "a@x.com"
    assert record["backup"]["profile"] == record["profile"]
    assert record["backup"]["profile"] is not record["profile"]
    record["profile"]["phones"][0]["number"] = "2"
    assert record["backup"]["profile"]["phones"][0]["number"] == "1"
    assert "never" not in record


def test_copy_literal_keys_and_quoted_targets(tmp_path: Path) -> None:
    records = [{"profile.email": "csv@x.com"}]
    params = {"fields": [{"sourceField": "profile.email", "targetField": "'copy.email'"}]}
    _, out, _ = run(tmp_path, "field.copy", params, records)
    assert out == [{"profile.email": "csv@x.com", "copy.email": "csv@x.com"}]


def test_copy_into_a_scalar_parent_is_a_reject(tmp_path: Path) -> None:
    records = [{"UID": "u1", "EMAIL": "a@x.com"}, {"UID": {"id": "u2"}, "EMAIL": "b@x.com"}]
    params = {"fields": [{"sourceField": "EMAIL", "targetField": "UID.email"}]}
    component, out, rejected = run(tmp_path, "field.copy", params, records)
    assert out == [{"UID": {"id": "u2", "email": "b@x.com"}, "EMAIL": "b@x.com"}]
    assert len(rejected) == 1 and "UID" in rejected[0][1]
    assert component.counters.errors == 1


# ----------------------------------------------------------------------------------------------- field.move


def test_move_after_a_field(tmp_path: Path) -> None:
    records = [{"a": 1, "b": 2, "c": 3, "d": 4}]
    _, out, _ = run(tmp_path, "field.move", {"fields": ["d", "c"], "after": "a"}, records)
    assert list(out[0]) == ["a", "d", "c", "b"]
    assert out[0] == {"a": 1, "b": 2, "c": 3, "d": 4}


def test_move_to_front_when_after_is_absent_or_missing_from_the_record(tmp_path: Path) -> None:
    records = [{"a": 1, "b": 2, "c": 3}]
    _, out, _ = run(tmp_path, "field.move", {"fields": ["c", "zz"]}, records)
    assert list(out[0]) == ["c", "a", "b"]
    _, out, _ = run(tmp_path, "field.move", {"fields": ["c"], "after": "nope"}, [{"a": 1, "b": 2, "c": 3}])
    assert list(out[0]) == ["c", "a", "b"]


def test_move_names_are_literal_top_level_keys(tmp_path: Path) -> None:
    records = [{"UID": "u1", "profile.email": "a@x.com", "profile.firstName": "Ann"}]
    params = {"fields": ["'profile.firstName'", "UID"], "after": "profile.email"}
    _, out, _ = run(tmp_path, "field.move", params, records)
    assert list(out[0]) == ["profile.email", "profile.firstName", "UID"]


def test_move_after_a_listed_field_keeps_it_in_place(tmp_path: Path) -> None:
    _, out, _ = run(tmp_path, "field.move", {"fields": ["a", "c"], "after": "b"}, [{"a": 1, "b": 2, "c": 3}])
    assert list(out[0]) == ["b", "a", "c"]
    _, out, _ = run(tmp_path, "field.move", {"fields": ["b", "c"], "after": "b"}, [{"a": 1, "b": 2, "c": 3}])
    assert list(out[0]) == ["a", "b", "c"]


# ------------------------------------------------------------------------------------------------ field.add


def test_add_constants_placeholders_and_nesting(tmp_path: Path) -> None:
    records = [{"UID": "u1", "source": "old"}, {"UID": "u2"}]
    params = {
        "fields": [
            {"field": "source", "value": "gigya"},
            {"field": "importJob", "value": "job-${jobId}"},
            {"field": "data.flags", "value": {"imported": True, "tags": []}},
            {"field": "'meta.count'", "value": 3},
            {"field": "nothing", "value": None},
        ]
    }
    _, out, _ = run(tmp_path, "field.add", params, records, job_id="j42")
    assert out[0] == {
        "UID": "u1",
        "source": "gigya",
        "importJob": "job-j42",
        "data": {"flags": {"imported": True, "tags": []}},
        "meta.count": 3,
        "nothing": None,
    }
    out[0]["data"]["flags"]["tags"].append("x")
    assert out[1]["data"]["flags"]["tags"] == []  # each record has its own copy


def test_add_into_a_scalar_parent_is_a_reject(tmp_path: Path) -> None:
    component, out, rejected = run(
        tmp_path, "field.add", {"fields": [{"field": "data.x", "value": 1}]}, [{"data": "text"}, {}]
    )
    assert out == [{"data": {"x": 1}}]
    assert len(rejected) == 1
    assert component.counters.as_dict() == {"in": 2, "out": 1, "errors": 1, "filtered": 0, "added": 0}


# -------------------------------------------------------------------------------------------- field.flatten


def test_flatten_bluekai_template(tmp_path: Path) -> None:
    """bluekia: read UID, profile.age, city, ... iRank → flatten [profile] → datasource.write.bluekai."""
    account = {
        "UID": "0b1c2d",
        "profile": {
            "age": 34,
            "city": "Lyon",
            "country": "FR",
            "educationLevel": "Master",
            "gender": "f",
            "relationshipStatus": "Married",
            "state": None,
        },
        "iRank": 42.5,
    }
    component, out, rejected = run(tmp_path, "field.flatten", {"fields": ["profile"]}, [account])
    assert rejected == []
    assert out == [
        {
            "UID": "0b1c2d",
            "profile.age": 34,
            "profile.city": "Lyon",
            "profile.country": "FR",
            "profile.educationLevel": "Master",
            "profile.gender": "f",
            "profile.relationshipStatus": "Married",
            "profile.state": None,
            "iRank": 42.5,
        }
    ]
    assert list(out[0])[1] == "profile.age" and list(out[0])[-1] == "iRank"  # flattened in place
    assert component.counters.reconciles()


def test_flatten_arrays_json_index_keep_and_separator(tmp_path: Path) -> None:
    def record() -> dict:
        return {"profile": {"phones": [{"type": "mobile", "number": "1"}], "likes": [], "work": {"company": "X"}}}

    _, out, _ = run(tmp_path, "field.flatten", {"fields": ["profile"]}, [record()])
    assert out == [
        {"profile.phones": '[{"type":"mobile","number":"1"}]', "profile.likes": "[]", "profile.work.company": "X"}
    ]
    params = {"fields": ["profile"], "arrays": "index", "separator": "_"}
    _, out, _ = run(tmp_path, "field.flatten", params, [record()])
    assert out == [{"profile_phones_0_type": "mobile", "profile_phones_0_number": "1", "profile_work_company": "X"}]
    _, out, _ = run(tmp_path, "field.flatten", {"fields": ["profile"], "arrays": "keep"}, [record()])
    assert out[0]["profile.phones"] == [{"type": "mobile", "number": "1"}]


def test_flatten_edge_cases(tmp_path: Path) -> None:
    records = [
        {"UID": "u1", "data": {}, "profile": "not an object"},
        {"profile.age": 1, "profile": {"age": 2}},  # a flattened field overwrites the same name
        {"data": {"prefs": {"a": {"b": 1}}, "keep": True}, "UID": "u3"},
        {"a.b": {"c": 1}, "z": 0},  # a literal dotted key flattens in place
    ]
    _, out, _ = run(tmp_path, "field.flatten", {"fields": ["data.prefs", "data", "profile", "a.b"]}, records)
    assert out[0] == {"UID": "u1", "profile": "not an object"}
    assert out[1] == {"profile.age": 2}
    assert out[2] == {"data.prefs.a.b": 1, "data.keep": True, "UID": "u3"}
    assert out[3] == {"a.b.c": 1, "z": 0}


def test_flatten_nested_path_goes_to_the_end(tmp_path: Path) -> None:
    records = [{"data": {"prefs": {"a": 1}, "other": 2}, "UID": "u1"}]
    _, out, _ = run(tmp_path, "field.flatten", {"fields": ["data.prefs"]}, records)
    assert out == [{"data": {"other": 2}, "UID": "u1", "data.prefs.a": 1}]
    assert list(out[0]) == ["data", "UID", "data.prefs.a"]
