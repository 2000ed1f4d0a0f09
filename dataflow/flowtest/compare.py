"""Expectations against what a case's job emitted, reported the way an author fixes them.

A record that differs is named by its number and the line of the test file it is written on, then field by
field (dotted paths into nested records: ``profile.phones[0].number``) with the expected and the actual value;
a file's text differs as a unified diff (:mod:`dataflow.flowtest.filediff`). Only the differences are shown,
so a 20-field record with one wrong value gives one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dataflow import jsonio
from dataflow.flowtest.filediff import files_diff
from dataflow.flowtest.harness import Outcome
from dataflow.flowtest.model import Case, Expectation, LineOf

MAX_SHOWN = 5  # differing records shown per step before "and N more"
_MISSING = object()


def compare(case: Case, outcome: Outcome, line_of: LineOf) -> list[str]:
    """The case's failures, one text block each; empty when the case passed."""
    if outcome.problems:
        return list(outcome.problems)
    failures: list[str] = []
    for expectation in case.expectations:
        failures.extend(_expectation(expectation, outcome, line_of))
    for step_id, wanted in case.counters.items():
        got = outcome.status.get("counters", {}).get(step_id, {})
        wrong = [
            f"{name} expected {value}, got {got.get(name)}" for name, value in wanted.items() if got.get(name) != value
        ]
        if not wanted:
            wrong = ["no counters written; run with --update to record them"]
        if wrong:
            failures.append(f"step '{step_id}' counters: " + "; ".join(wrong))
    return failures


def _expectation(expectation: Expectation, outcome: Outcome, line_of: LineOf) -> Iterator[str]:
    step = expectation.step
    if expectation.empty:
        yield f"step '{step}': no expectation written; run with --update to record what it emits"
        return
    if expectation.records is not None:
        lines = records_diff(expectation, "records", outcome.outputs.get(step, []), line_of)
        if lines:
            yield "\n".join([f"step '{step}': records differ", *lines])
    if expectation.errors is not None:
        lines = records_diff(expectation, "errors", outcome.errors.get(step, []), line_of)
        if lines:
            yield "\n".join([f"step '{step}': errors differ", *lines])
    if expectation.files is not None:
        lines = files_diff(expectation, outcome.outputs.get(step, []), line_of)
        if lines:
            yield "\n".join([f"step '{step}': files differ", *lines])


# records ------------------------------------------------------------------------------------------------------
def matches(expected: Any, actual: Any, contains: bool) -> bool:
    if contains and isinstance(expected, dict) and isinstance(actual, dict):
        return all(key in actual and matches(value, actual[key], True) for key, value in expected.items())
    return same(expected, actual)


def same(expected: Any, actual: Any) -> bool:
    """Equal as JSON values: 1 and 1.0 are equal, True and 1 are not."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(same(e, a) for e, a in zip(expected, actual, strict=True))
    return expected == actual


def records_diff(expectation: Expectation, key: str, actual: list[Any], line_of: LineOf) -> list[str]:
    expected: list[Any] = getattr(expectation, key)
    contains = expectation.match == "contains"
    where = (*expectation.path, key)
    if not expectation.ordered:
        return _unordered(expected, actual, contains, where, line_of)
    lines: list[str] = []
    shown = 0
    for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
        if matches(want, got, contains):
            continue
        shown += 1
        if shown > MAX_SHOWN:
            continue
        lines.append(f"  record {index + 1} (line {line_of((*where, index))}):")
        lines.extend(f"    {line}" for line in field_diff(want, got, contains))
    if shown > MAX_SHOWN:
        lines.append(f"  ... and {shown - MAX_SHOWN} more differing records")
    if len(expected) != len(actual):
        lines.append(f"  expected {len(expected)} record(s), got {len(actual)}")
        for index in range(len(actual), len(expected))[:MAX_SHOWN]:
            line = line_of((*where, index))
            lines.append(f"  missing record {index + 1} (line {line}): {_short(expected[index], 200)}")
        for index in range(len(expected), len(actual))[:MAX_SHOWN]:
            lines.append(f"  unexpected record {index + 1}: {_short(actual[index], 200)}")
    return lines


def _unordered(expected: list[Any], actual: list[Any], contains: bool, where: tuple, line_of: LineOf) -> list[str]:
    left = list(range(len(actual)))
    lines: list[str] = []
    for index, want in enumerate(expected):
        found = next((i for i in left if matches(want, actual[i], contains)), None)
        if found is None:
            lines.append(f"  record {index + 1} (line {line_of((*where, index))}) not found: {_short(want, 200)}")
        else:
            left.remove(found)
    lines.extend(f"  unexpected record: {_short(actual[i], 200)}" for i in left)
    return lines


def field_diff(expected: Any, actual: Any, contains: bool = False) -> list[str]:
    """One line per differing field, by dotted path."""
    want, got = dict(_flatten(expected)), dict(_flatten(actual))
    lines = []
    for path in [*want, *(p for p in got if p not in want)]:
        a, b = want.get(path, _MISSING), got.get(path, _MISSING)
        if a is _MISSING:
            if not contains:
                lines.append(f"{path}: not expected, got {_short(b)}")
            continue
        if b is _MISSING:
            lines.append(f"{path}: expected {_short(a)}, missing")
        elif not same(a, b):
            lines.append(f"{path}: expected {_short(a)}, got {_short(b)}")
    return lines or [f"expected {_short(expected, 200)}, got {_short(actual, 200)}"]


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from _flatten(child, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value:
        for index, child in enumerate(value):
            yield from _flatten(child, f"{path}[{index}]")
    else:
        yield path, value


def _short(value: Any, limit: int = 80) -> str:
    text = jsonio.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
