"""field.evaluate: the public templates' expressions on realistic records, errors, validation positions."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dataflow.testing import build_component, drive
from dataflow.validation import validate_text
from tests.helpers import COLLECTED, assert_reconciled, registry, run_flow, step

TEMPLATES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "templates"


def evaluate(
    tmp_path: Path, fields: list[dict[str, str]], records: list[dict[str, Any]], batches: int = 1
) -> tuple[list[dict[str, Any]], list[tuple[Any, str, dict[str, Any]]], Any]:
    component = build_component("field.evaluate", {"language": "jexl", "fields": fields}, tmp_path / "work")
    size = max(1, -(-len(records) // batches))
    emitted, rejected = drive(component, [records[i : i + size] for i in range(0, len(records), size)] or [[]])
    assert component.counters.reconciles(), component.counters
    return emitted, rejected, component.counters


def one(field: str, expression: str) -> list[dict[str, str]]:
    return [{"field": field, "expression": expression}]


# the templates ---------------------------------------------------------------------------------------------
def test_silverpop_outbound_maps_gigya_booleans_and_strings(tmp_path: Path) -> None:
    records = [
        {"GigyaUid": "u1", "EMAIL": "a@example.com", "Subscribed": "true"},
        {"GigyaUid": "u2", "EMAIL": "b@example.com", "Subscribed": "false"},
        {"GigyaUid": "u3", "EMAIL": "c@example.com", "Subscribed": True},  # Gigya's typed boolean
        {"GigyaUid": "u4", "EMAIL": "d@example.com", "Subscribed": False},
        {"GigyaUid": "u5", "EMAIL": "e@example.com"},  # never set
    ]
    emitted, rejected, _ = evaluate(tmp_path, one("Subscribed", "Subscribed eq 'true' ? 'Yes' : 'No'"), records)
    assert rejected == []
    assert [r["Subscribed"] for r in emitted] == ["Yes", "No", "Yes", "No", "No"]
    assert emitted[0] == {"GigyaUid": "u1", "EMAIL": "a@example.com", "Subscribed": "Yes"}


def test_silverpop_inbound_writes_the_nested_field(tmp_path: Path) -> None:
    records = [
        {"UID": "u1", "profile": {"email": "a@example.com"}, "data": {"subscribed": "Yes"}},
        {"UID": "u2", "profile": {"email": "b@example.com"}, "data": {"subscribed": "No"}},
        {"UID": "u3", "data.subscribed": "Yes"},  # a flat record (CSV header) keeps its literal key
    ]
    expression = "data.subscribed eq 'Yes' ? 'true' : 'false'"
    emitted, rejected, _ = evaluate(tmp_path, one("data.subscribed", expression), records)
    assert rejected == []
    assert emitted[0]["data"] == {"subscribed": "true"}
    assert emitted[1]["data"] == {"subscribed": "false"}
    assert emitted[2] == {"UID": "u3", "data.subscribed": "true"}


def test_campaign_monitor_reads_the_underscore_spelling(tmp_path: Path) -> None:
    records = [
        {"UID": "u1", "profile": {"email": "a@example.com"}, "data": {"subscribed": "unsubscribed"}},
        {"UID": "u2", "profile": {"email": "b@example.com"}, "data": {"subscribed": "active"}},
        {"UID": "u3", "data.subscribed": "unsubscribed"},
        {"UID": "u4", "data_subscribed": "unsubscribed"},
    ]
    expression = "data_subscribed eq 'unsubscribed' ? 'false' : 'true'"
    emitted, rejected, _ = evaluate(tmp_path, one("data.subscribed", expression), records)
    assert rejected == []
    assert emitted[0]["data"] == {"subscribed": "false"}
    assert emitted[1]["data"] == {"subscribed": "true"}
    assert emitted[2]["data.subscribed"] == "false"
    assert emitted[3]["data"] == {"subscribed": "false"}  # the target is written nested; the source stays
    assert emitted[3]["data_subscribed"] == "unsubscribed"


def test_mailchimp_status_becomes_a_boolean(tmp_path: Path) -> None:
    records = [
        {"status": "subscribed", "merge_fields": {"UID": "u1"}},
        {"status": "unsubscribed", "merge_fields": {"UID": "u2"}},
        {"status": "cleaned", "merge_fields": {"UID": "u3"}},
    ]
    emitted, _, _ = evaluate(tmp_path, one("status", "status eq 'subscribed' ? true : false"), records)
    assert [r["status"] for r in emitted] == [True, False, False]


def test_salesforce_fills_empty_handicaps(tmp_path: Path) -> None:
    field = "Golf_Handicap_Number__pc"
    expression = f"{field} eq '' || {field} eq null ? '#N/A' : {field}"
    records = [
        {"FirstName": "Ann", field: ""},
        {"FirstName": "Bob", field: None},
        {"FirstName": "Cid"},
        {"FirstName": "Dee", field: "12.4"},
        {"FirstName": "Eve", field: 0},  # a scratch golfer is not "empty"
    ]
    emitted, rejected, _ = evaluate(tmp_path, one(field, expression), records)
    assert rejected == []
    assert [r[field] for r in emitted] == ["#N/A", "#N/A", "#N/A", "12.4", 0]


def _template_expressions() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(TEMPLATES.glob("*.json")):
        for template_step in json.loads(path.read_text(encoding="utf-8"))["steps"]:
            if template_step["type"] == "field.evaluate":
                for item in template_step["params"]["fields"]:
                    found.append((path.name, item["field"], item["expression"]))
    return found


TEMPLATE_EXPRESSIONS = _template_expressions()
TESTED = {
    "Subscribed eq 'true' ? 'Yes' : 'No'",
    "data.subscribed eq 'Yes' ? 'true' : 'false'",
    "data_subscribed eq 'unsubscribed' ? 'false' : 'true'",
    "status eq 'subscribed' ? true : false",
    "Golf_Handicap_Number__pc eq '' || Golf_Handicap_Number__pc eq null ? '#N/A' : Golf_Handicap_Number__pc",
}


@pytest.mark.skipif(not TEMPLATES.is_dir(), reason="the reference templates are not in this checkout")
def test_every_template_expression_is_covered_and_compiles(tmp_path: Path) -> None:
    assert len(TEMPLATE_EXPRESSIONS) >= 5
    for name, field, expression in TEMPLATE_EXPRESSIONS:
        assert expression in TESTED, f"{name}: add a realistic test for {expression!r}"
        build_component("field.evaluate", {"fields": one(field, expression)}, tmp_path / "work").close()


# behaviour -------------------------------------------------------------------------------------------------
def test_later_expressions_see_earlier_results(tmp_path: Path) -> None:
    fields = [
        {"field": "full", "expression": "first + ' ' + last"},
        {"field": "profile.display", "expression": "full.toUpperCase()"},
        {"field": "length", "expression": "size(profile.display)"},
    ]
    emitted, _, _ = evaluate(tmp_path, fields, [{"first": "Ann", "last": "Lee"}])
    assert emitted == [
        {"first": "Ann", "last": "Lee", "full": "Ann Lee", "profile": {"display": "ANN LEE"}, "length": 7}
    ]


def test_a_runtime_error_rejects_that_record_only(tmp_path: Path) -> None:
    records = [{"n": i, "code": code} for i, code in enumerate(["abc", "x", "defg", None, "hi"])]
    emitted, rejected, counters = evaluate(tmp_path, one("prefix", "code.substring(0, 2)"), records, batches=2)
    assert [r["prefix"] for r in emitted] == ["ab", "de", None, "hi"]  # a method on null is null
    assert [item["n"] for item, _, _ in rejected] == [1]
    item, message, details = rejected[0]
    assert item == {"n": 1, "code": "x"}  # as it arrived
    assert message == "cannot evaluate 'prefix': substring(0, 2) is out of range for a string of length 1"
    assert details == {"field": "prefix", "expression": "code.substring(0, 2)"}
    assert (counters.in_, counters.out, counters.errors, counters.filtered) == (5, 4, 1, 0)


def test_a_failed_record_is_put_back_as_it_arrived(tmp_path: Path) -> None:
    fields = [
        {"field": "a", "expression": "'new a'"},
        {"field": "deep.b", "expression": "'new b'"},
        {"field": "c", "expression": "1 / d"},
    ]
    records = [{"a": "old", "d": 0}, {"d": 2}]
    emitted, rejected, _ = evaluate(tmp_path, fields, records)
    assert rejected[0][0] == {"a": "old", "d": 0, "deep": {}}  # an intermediate object may stay behind
    assert "division by zero" in rejected[0][1]
    assert rejected[0][2]["field"] == "c"
    assert emitted == [{"d": 2, "a": "new a", "deep": {"b": "new b"}, "c": 0}]


def test_a_target_that_cannot_be_written_rejects_the_record(tmp_path: Path) -> None:
    emitted, rejected, _ = evaluate(tmp_path, one("data.x", "'v'"), [{"data": "text"}, {"data": {}}])
    assert emitted == [{"data": {"x": "v"}}]
    assert "cannot write 'data.x'" in rejected[0][1]


def test_placeholders_are_not_rendered_in_expressions(tmp_path: Path) -> None:
    emitted, _, _ = evaluate(tmp_path, one("tag", "'${jobId}' + '-' + UID"), [{"UID": "u1"}])
    assert emitted == [{"UID": "u1", "tag": "${jobId}-u1"}]


def test_empty_batches(tmp_path: Path) -> None:
    emitted, rejected, counters = evaluate(tmp_path, one("x", "1"), [])
    assert (emitted, rejected, counters.in_) == ([], [], 0)


# in a job --------------------------------------------------------------------------------------------------
def test_in_a_job_failures_take_the_error_path_and_counters_reconcile(tmp_path: Path) -> None:
    records = [{"UID": f"u{i}", "age": age} for i, age in enumerate(["30", "x", "17", "", "41"])]
    flow = {
        "name": "evaluate",
        "steps": [
            step("read", "test.source", {"records": records, "batchSize": 2}, next=["evaluate"]),
            step(
                "evaluate",
                "field.evaluate",
                {"fields": [{"field": "adult", "expression": "age - 18 >= 0 ? 'yes' : 'no'"}]},
                next=["good"],
                error=["bad"],
            ),
            step("good", "test.collect", {"name": "good"}),
            step("bad", "test.collect", {"name": "bad"}),
        ],
    }
    status = run_flow(flow, tmp_path, components=registry())
    assert status["status"] == "succeeded", status
    assert_reconciled(status)
    assert [(r["UID"], r["adult"]) for r in COLLECTED["good"]] == [
        ("u0", "yes"),
        ("u2", "no"),
        ("u3", "no"),
        ("u4", "yes"),
    ]
    (bad,) = COLLECTED["bad"]
    assert bad["UID"] == "u1"
    details = bad["_errorDetails"]
    assert details["stepId"] == "evaluate"
    assert details["errorMessage"] == "cannot evaluate 'adult': '-' needs numbers, not the string 'x'"
    assert details["field"] == "adult"
    assert status["counters"]["evaluate"]["errors"] == 1


# validation ------------------------------------------------------------------------------------------------
FLOW_JSON = """\
{
  "name": "bad expression",
  "steps": [
    {"id": "read", "type": "test.source", "params": {"records": []}, "next": ["evaluate"]},
    {"id": "evaluate", "type": "field.evaluate",
     "params": {"fields": [
       {"field": "ok", "expression": "a eq 'b' ? 1 : 2"},
       {"field": "Subscribed", "expression": "Subscribed eq 'true' ? 'Yes' 'No'"}
     ]}}
  ]
}
"""

FLOW_YAML = """\
name: bad expression
steps:
  - id: read
    type: test.source
    params: {records: []}
    next: [evaluate]
  - id: evaluate
    type: field.evaluate
    params:
      fields:
        - field: x
          expression: s.toUpperCase(1) eq 'A'
"""


def _column_of(text: str, needle: str, inside: str) -> tuple[int, int]:
    for number, line in enumerate(text.splitlines(), start=1):
        if inside in line:
            return number, line.index(inside) + inside.index(needle) + 1
    raise AssertionError(inside)


def test_a_bad_expression_is_reported_inside_the_string_json() -> None:
    validated = validate_text(FLOW_JSON, "flow.json", registry=registry())
    assert not validated.ok
    (diagnostic,) = validated.diagnostics
    line, column = _column_of(FLOW_JSON, "'No'", "Subscribed eq 'true' ? 'Yes' 'No'")
    assert (diagnostic.line, diagnostic.column) == (line, column)
    assert diagnostic.format() == (
        f"flow.json:{line}:{column}: step 'evaluate' (field.evaluate): invalid JEXL: expected ':' of the ternary "
        "'test ? then : otherwise', found 'No' [/steps/1/params/fields/1/expression]"
    )


def test_a_bad_expression_is_reported_inside_the_string_yaml() -> None:
    validated = validate_text(FLOW_YAML, "flow.yaml", registry=registry())
    (diagnostic,) = validated.diagnostics
    line, column = _column_of(FLOW_YAML, "toUpperCase", "s.toUpperCase(1)")
    assert (diagnostic.line, diagnostic.column) == (line, column)
    assert "toUpperCase() takes 0 argument(s), not 1" in diagnostic.message
    assert diagnostic.pointer == "/steps/1/params/fields/0/expression"


def test_good_expressions_validate_and_placeholders_inside_them_are_not_checked() -> None:
    text = FLOW_JSON.replace("'Yes' 'No'", "'Yes' : '${notAPlaceholder}'")
    validated = validate_text(text, "flow.json", registry=registry())
    assert validated.ok, [d.format() for d in validated.diagnostics]


def test_an_unknown_language_is_a_params_error() -> None:
    text = FLOW_JSON.replace('"params": {"fields"', '"params": {"language": "spel", "fields"')
    validated = validate_text(text, "flow.json", registry=registry())
    assert any(re.search(r"param 'language'", d.message) for d in validated.diagnostics)
