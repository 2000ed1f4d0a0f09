"""The differences an author reads: field by field for records, a unified diff for file text."""

from __future__ import annotations

from dataflow.flowtest.compare import field_diff, matches, records_diff, same
from dataflow.flowtest.filediff import text_diff
from dataflow.flowtest.model import Expectation


def line_of(path: tuple) -> int:
    return 100 + path[-1]


def test_fields_are_named_by_dotted_paths_into_nested_records() -> None:
    expected = {"UID": "u1", "profile": {"email": "a@x", "phones": [{"number": "1"}]}, "gone": 1}
    actual = {"UID": "u1", "profile": {"email": "b@x", "phones": [{"number": "2"}]}, "extra": True}
    assert field_diff(expected, actual) == [
        'profile.email: expected "a@x", got "b@x"',
        'profile.phones[0].number: expected "1", got "2"',
        "gone: expected 1, missing",
        "extra: not expected, got true",
    ]
    assert field_diff(expected, actual, contains=True)[-1] == "gone: expected 1, missing"


def test_json_equality_keeps_booleans_apart_from_numbers() -> None:
    assert same(1, 1.0)
    assert not same(True, 1)
    assert not same({"a": "1"}, {"a": 1})
    assert matches({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}, "d": 3}, contains=True)
    assert not matches({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}}, contains=False)


def test_counts_missing_and_unexpected_records() -> None:
    expectation = Expectation("s", ("tests", 0, "expect", "s"), records=[{"a": 1}, {"a": 2}, {"a": 3}])
    assert records_diff(expectation, "records", [{"a": 1}, {"a": 5}], line_of) == [
        "  record 2 (line 101):",
        "    a: expected 2, got 5",
        "  expected 3 record(s), got 2",
        '  missing record 3 (line 102): {"a":3}',
    ]
    expectation.records = [{"a": 1}]
    assert records_diff(expectation, "records", [{"a": 1}, {"a": 2}], line_of)[-1] == '  unexpected record 2: {"a":2}'


def test_many_differences_are_cut_short() -> None:
    expectation = Expectation("s", ("x",), records=[{"a": i} for i in range(20)])
    lines = records_diff(expectation, "records", [{"a": -i - 1} for i in range(20)], line_of)
    assert lines[-1] == "  ... and 15 more differing records"
    assert len(lines) == 11


def test_text_diff_shows_changed_lines_and_line_endings() -> None:
    assert text_diff("a\nb\nc\n", "a\nB\nc\n") == ["--- expected", "+++ got", "@@ -1,3 +1,3 @@", " a", "-b", "+B", " c"]
    assert text_diff("a\n", "a\r\n")[-2:] == ["-a", "+a\\r"]
    assert text_diff("a\n", "a")[-1] == "+a  (no newline at end)"
