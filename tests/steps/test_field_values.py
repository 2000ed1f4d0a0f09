"""field.replace and field.date.format: Java syntax, paths, load-time checks, rejects, counters, the Epsilon flow."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dataflow.component import Component, ParamProblem
from dataflow.registry import default_registry
from dataflow.testing import build_component, drive

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def run(
    tmp_path: Path, type_name: str, params: dict[str, Any], records: list[dict], **job: Any
) -> tuple[Component, list[dict], list]:
    component = build_component(type_name, params, tmp_path / "work", now=NOW, **job)
    emitted, rejected = drive(component, [records])
    assert component.counters.reconciles(), component.counters
    return component, emitted, rejected


def problems(type_name: str, params: dict[str, Any]) -> list[ParamProblem]:
    return list(default_registry().get(type_name).cls.check_params(params))


# -------------------------------------------------------------------------------------------- field.replace

EPSILON_RENAMES = [
    "profile.gender",
    "profile.birthYear",
    "data.user.cableProviderName",
    "data.user.location",
    "data.user.masterID",
    "data.personas.Food.aboutMe",
    "data.personas.Food.myFavorites",
    "profile.education.degree",
    "profile.educationLevel",
]
EPSILON_REPLACE = {
    "fields": [
        {"field": "*", "regex": "(\\|)|(\n)|(||)", "replacement": " "},
        {"field": "*", "regex": "[^\\x00-\\x7F]", "replacement": ""},
    ]
}


def test_epsilon_template_rename_remove_replace(tmp_path: Path) -> None:
    """exportToSFTP-epsilon: rename to quoted literal keys → remove profile, data → the field.replace pair."""
    account = {
        "UID": "8e2|b\n1",
        "profile": {"gender": "f", "birthYear": 1987, "education": {"degree": "MSc"}, "educationLevel": "Master"},
        "data": {
            "user": {"cableProviderName": "Télé|Câble", "location": "Zürich\nCH", "masterID": 123},
            "personas": {"Food": {"aboutMe": "I ♥ crêpes | sushi", "myFavorites": ["Pâté", "naïve|x", None]}},
        },
    }
    rename = build_component(
        "field.rename",
        {"fields": [{"sourceField": name, "targetField": f"'{name}'"} for name in EPSILON_RENAMES]},
        tmp_path / "w1",
    )
    remove = build_component("field.remove", {"fields": ["profile", "data"]}, tmp_path / "w2")
    replace = build_component("field.replace", EPSILON_REPLACE, tmp_path / "w3")
    records, _ = drive(rename, [[account]])
    records, _ = drive(remove, [records])
    records, rejected = drive(replace, [records])
    assert rejected == []
    assert records == [
        {
            "UID": "8e2 b 1",
            "profile.gender": "f",
            "profile.birthYear": 1987,
            "data.user.cableProviderName": "Tl Cble",
            "data.user.location": "Zrich CH",
            "data.user.masterID": 123,
            "data.personas.Food.aboutMe": "I  crpes   sushi",
            "data.personas.Food.myFavorites": ["Pt", "nave x", None],
            "profile.education.degree": "MSc",
            "profile.educationLevel": "Master",
        }
    ]
    assert replace.counters.as_dict() == {"in": 1, "out": 1, "errors": 0, "filtered": 0, "added": 0}
    assert problems("field.replace", EPSILON_REPLACE) == []


def test_star_is_recursive_and_leaves_keys_and_non_strings(tmp_path: Path) -> None:
    records = [{"a|b": "x|y", "n": 1, "t": True, "z": None, "deep": {"list": ["p|q", {"r": "s|t"}]}}]
    _, out, _ = run(
        tmp_path, "field.replace", {"fields": [{"field": "*", "regex": "\\|", "replacement": "/"}]}, records
    )
    assert out == [{"a|b": "x/y", "n": 1, "t": True, "z": None, "deep": {"list": ["p/q", {"r": "s/t"}]}}]


def test_java_replacement_groups(tmp_path: Path) -> None:
    records = [{"name": "Smith John", "price": "10 USD", "phone": "0033612345678", "path": "a\\b"}]
    params = {
        "fields": [
            {"field": "name", "regex": "(?<last>\\w+) (\\w+)", "replacement": "$2 ${last} ($0)"},
            {"field": "price", "regex": "(\\d+) USD", "replacement": "\\$$1"},
            {"field": "phone", "regex": "^00(\\d{2})(\\d)", "replacement": "+$1 $2$12"},  # $12 is $1 then "2"
            {"field": "path", "regex": "\\\\", "replacement": "\\\\\\\\"},  # one backslash → two
        ]
    }
    _, out, _ = run(tmp_path, "field.replace", params, records)
    assert out == [{"name": "John Smith (Smith John)", "price": "$10", "phone": "+33 633212345678", "path": "a\\\\b"}]


def test_paths_literal_keys_quoted_and_nested(tmp_path: Path) -> None:
    records = [{"profile.email": "A@X.COM", "profile": {"email": "B@X.COM", "phones": ["1-2", "3-4"]}}]
    params = {
        "fields": [
            {"field": "profile.email", "regex": "X\\.COM", "replacement": "y.com"},
            {"field": "'profile.email'", "regex": "^A", "replacement": "a"},
            {"field": "profile.phones", "regex": "-"},
            {"field": "missing.path", "regex": "x", "replacement": "y"},
        ]
    }
    _, out, _ = run(tmp_path, "field.replace", params, records)
    assert out == [{"profile.email": "a@y.com", "profile": {"email": "B@X.COM", "phones": ["12", "34"]}}]


def test_anchors_still_insert_but_empty_alternatives_do_not(tmp_path: Path) -> None:
    params = {
        "fields": [
            {"field": "a", "regex": "^", "replacement": "+"},
            {"field": "b", "regex": "x*", "replacement": "-"},
            {"field": "c", "regex": "\\w", "replacement": "_"},
        ]
    }
    _, out, _ = run(tmp_path, "field.replace", params, [{"a": "33", "b": "axxb", "c": "é1"}])
    assert out == [{"a": "+33", "b": "a-b", "c": "é_"}]  # \w is ASCII-only, as in Java


def test_params_are_raw_so_dollar_braces_are_group_references(tmp_path: Path) -> None:
    params = {"fields": [{"field": "v", "regex": "(?<jobId>\\$\\{\\w+\\})", "replacement": "[${jobId}]"}]}
    _, out, _ = run(tmp_path, "field.replace", params, [{"v": "run ${jobId} now"}], job_id="j1")
    assert out == [{"v": "run [${jobId}] now"}]


@pytest.mark.parametrize(
    ("item", "key", "offset", "words"),
    [
        ({"field": "*", "regex": "ab(c", "replacement": ""}, "regex", 2, "missing )"),
        ({"field": "*", "regex": "(?<n>a)\\i", "replacement": ""}, "regex", 7, "bad escape"),
        ({"field": "*", "regex": "(a)", "replacement": "x$2"}, "replacement", 1, "No group 2"),
        ({"field": "*", "regex": "a", "replacement": "cost: $"}, "replacement", 6, "Illegal group reference"),
        ({"field": "*", "regex": "a", "replacement": "${who}"}, "replacement", 0, "No group with name {who}"),
        ({"field": "*", "regex": "a", "replacement": "end\\"}, "replacement", 3, "escaped is missing"),
    ],
)
def test_bad_regex_or_replacement_points_inside_the_string(item: dict, key: str, offset: int, words: str) -> None:
    found = problems("field.replace", {"fields": [{"field": "x", "regex": "ok"}, item]})
    assert len(found) == 1
    assert found[0].path == ("fields", 1, key)
    assert found[0].offset == offset
    assert words in found[0].message


# ---------------------------------------------------------------------------------------- field.date.format


def test_default_input_detection(tmp_path: Path) -> None:
    records = [
        {"t": 1700000000123},
        {"t": "1700000000123"},
        {"t": "2023-11-14T22:13:20.123Z"},
        {"t": "2023-11-14T23:13:20.123+01:00"},
        {"t": "2023-11-14 22:13:20.123"},  # no zone: read in the item's timezone
    ]
    params = {"fields": [{"field": "t", "format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"}]}
    _, out, rejected = run(tmp_path, "field.date.format", params, records)
    assert rejected == []
    assert [r["t"] for r in out] == ["2023-11-14T22:13:20.123Z"] * 5


def test_input_formats_output_specials_and_timezones(tmp_path: Path) -> None:
    records = [
        {
            "birth": "05/01/87",
            "created": "Tue, 14 Nov 2023 10:13 PM PST",
            "epochS": 1700000000,
            "ms": "2023-11-14T22:13:20Z",
            "iso": "20231114221320",
            "local": "2024-07-01 12:00",
        }
    ]
    params = {
        "fields": [
            {"field": "birth", "inputFormat": "dd/MM/yy", "format": "yyyy-MM-dd"},
            {"field": "created", "inputFormat": "EEE, d MMM yyyy hh:mm a z", "format": "iso8601"},
            {"field": "epochS", "inputFormat": "epoch", "format": "dd MMM yyyy HH:mm z", "timezone": "Europe/Paris"},
            {"field": "ms", "inputFormat": "iso8601", "format": "epochMillis"},
            {"field": "iso", "inputFormat": "yyyyMMddHHmmss", "format": "epoch"},
            {"field": "local", "inputFormat": "yyyy-MM-dd HH:mm", "format": "HH:mm Z", "timezone": "Europe/Paris"},
        ]
    }
    _, out, rejected = run(tmp_path, "field.date.format", params, records)
    assert rejected == []
    assert out == [
        {
            "birth": "1987-01-05",  # yy: within 80 years before now (2026) and 20 after
            "created": "2023-11-15T06:13:00.000Z",
            "epochS": "14 Nov 2023 23:13 CET",
            "ms": 1700000000000,
            "iso": 1700000000,
            "local": "12:00 +0200",  # a value without a zone is read in the item's timezone
        }
    ]


def test_missing_null_and_empty_are_left_alone_and_paths_work(tmp_path: Path) -> None:
    records = [
        {"a": None, "b": "", "profile.lastLogin": 0, "data": {"seen": 86400000}},
    ]
    params = {
        "fields": [
            {"field": "a", "format": "yyyy"},
            {"field": "b", "format": "yyyy"},
            {"field": "c", "format": "yyyy"},
            {"field": "profile.lastLogin", "format": "yyyy-MM-dd"},
            {"field": "data.seen", "format": "yyyy-MM-dd"},
        ]
    }
    _, out, _ = run(tmp_path, "field.date.format", params, records)
    assert out == [{"a": None, "b": "", "profile.lastLogin": "1970-01-01", "data": {"seen": "1970-01-02"}}]


def test_unreadable_values_are_rejects_naming_field_and_value(tmp_path: Path) -> None:
    records = [{"d": "2024-01-02"}, {"d": "not a date"}, {"d": True}, {"d": "2024-13-45"}, {"d": {"x": 1}}]
    params = {"fields": [{"field": "d", "format": "dd.MM.yyyy"}]}
    component, out, rejected = run(tmp_path, "field.date.format", params, records)
    assert out == [{"d": "02.01.2024"}]
    assert len(rejected) == 4
    message, details = rejected[0][1], rejected[0][2]
    assert "'d'" in message and "'not a date'" in message
    assert details == {"field": "d", "value": "not a date"}
    assert component.counters.as_dict() == {"in": 5, "out": 1, "errors": 4, "filtered": 0, "added": 0}
    params = {"fields": [{"field": "d", "inputFormat": "dd/MM/yyyy", "format": "yyyy"}]}
    _, out, rejected = run(tmp_path, "field.date.format", params, [{"d": "2024-01-02"}, {"d": "02/01/2024 junk"}])
    assert out == [{"d": "2024"}]  # text after the pattern is ignored, as Java's parse does
    assert "does not match the pattern 'dd/MM/yyyy'" in rejected[0][1]


@pytest.mark.parametrize(
    ("item", "key", "offset", "words"),
    [
        ({"field": "d", "format": "yyyy-MM-dd'T"}, "format", 10, "Unterminated quote"),
        ({"field": "d", "format": "yyyy", "inputFormat": "dd/MM/yyyy q"}, "inputFormat", 11, "Illegal pattern"),
        ({"field": "d", "format": "yyyy", "timezone": "Mars/Olympus"}, "timezone", None, "unknown time zone"),
    ],
)
def test_bad_patterns_and_zones_are_param_problems(item: dict, key: str, offset: int | None, words: str) -> None:
    found = problems("field.date.format", {"fields": [item]})
    assert [(p.path, p.offset) for p in found] == [(("fields", 0, key), offset)]
    assert words in found[0].message
