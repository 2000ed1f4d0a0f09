"""Authors' Java regexes that can backtrack exponentially run with a time limit: one that does fails the record it
met, with the reason, instead of holding the job (Python's ``re`` cannot be interrupted). Java syntax ``re`` lacks
(``\\p{...}``) now works too; plain patterns stay on ``re``, which is faster."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dataflow import javaregex
from dataflow.errors import RecordError
from dataflow.expressions import compile_expression
from dataflow.testing import build_component, drive

EVIL = "(a|aa)+$"  # overlapping alternatives: Fibonacci-many ways to fail on n a's followed by a b
BAD_VALUE = "a" * 40 + "b"  # with re, about 10^8 backtracking steps per attempt


@pytest.fixture(autouse=True)
def short_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(javaregex, "MATCH_TIMEOUT_S", 0.2)


def test_field_replace_sends_the_stuck_record_down_the_error_path(tmp_path: Path) -> None:
    params = {"fields": [{"field": "name", "regex": EVIL, "replacement": "x"}]}
    component = build_component("field.replace", params, tmp_path / "work")
    records = [{"name": "aaa"}, {"name": BAD_VALUE}, {"name": "bbb"}]
    started = time.monotonic()
    emitted, rejected = drive(component, [records])
    assert time.monotonic() - started < 30  # not a performance figure: "it came back at all"
    assert emitted == [{"name": "x"}, {"name": "bbb"}]
    [(record, reason, _)] = rejected
    assert record == {"name": BAD_VALUE}
    assert f"regex '{EVIL}' gave up after 0.2 s on 41 characters" in reason
    assert component.counters.reconciles(), component.counters


@pytest.mark.parametrize(
    "expression",
    [
        f"name =~ '{EVIL}'",
        f"name.matches('{EVIL}')",
        f"name.replaceAll('{EVIL}', 'x')",
        f"name.split('{EVIL}')",
        "name =~ pattern",  # computed per record
    ],
)
def test_jexl_regexes_fail_the_record_not_the_job(expression: str) -> None:
    compiled = compile_expression(expression)
    assert compiled.evaluate({"name": "aaa", "pattern": EVIL}) in (True, "x", ["aaa"], [""], [])
    with pytest.raises(RecordError, match=r"gave up after 0\.2 s on 41 characters"):
        compiled.evaluate({"name": BAD_VALUE, "pattern": EVIL})


def test_java_unicode_classes_match_unicode_beside_ascii_shorthands() -> None:
    capitalised = compile_expression("name =~ '\\\\p{Lu}\\\\pL*\\\\d?'")
    assert capitalised.evaluate({"name": "Émile2"}) is True
    assert capitalised.evaluate({"name": "émile"}) is False
    assert capitalised.evaluate({"name": "Émile٣"}) is False  # \\d stays ASCII, as Java's
    assert compile_expression("name =~ '\\\\P{L}+'").evaluate({"name": "12 !"}) is True


@pytest.mark.parametrize(
    ("regex", "offset", "words"),
    [("a[\\p{L}]", 2, "inside [...] is not supported"), ("ab\\p{Lu", 2, "unclosed"), ("\\p{NoSuch}", 0, "unknown")],
)
def test_bad_unicode_classes_point_at_the_escape(regex: str, offset: int, words: str) -> None:
    with pytest.raises(javaregex.JavaRegexError) as caught:
        javaregex.compile_regex(regex)
    assert caught.value.offset == offset and words in caught.value.message, caught.value.message


@pytest.mark.parametrize(
    ("pattern", "guarded"),
    [
        ("\\d+", False),
        ("^\\s+|\\s+$", False),  # alternatives, but not inside a repetition
        ("(?<year>\\d{4})-(\\d\\d)", False),
        ("[a-z]+@[a-z]+\\.com", False),
        ("(a+)+$", True),
        ("(a|aa)+$", True),
        ("(?:ab?)*c", True),  # an optional part inside a repetition
        ("(a)\\1", True),  # backreferences are NP-hard in general
        ("\\p{L}+", True),  # re cannot read it; regex can
    ],
)
def test_only_risky_shapes_pay_for_the_time_limit(pattern: str, guarded: bool) -> None:
    compiled = javaregex.compile_regex(pattern)
    assert isinstance(compiled, javaregex.BoundedPattern) is guarded, type(compiled)
