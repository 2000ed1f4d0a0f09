"""A bad test file is reported at its line and runs nothing: missing flow or step, bad keys, wrong kinds."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataflow.flowtest.suite import run_file
from tests.flowtest.conftest import write_test


def findings(path: Path) -> list[str]:
    result = run_file(path)
    assert result.cases == []
    return [f"{p.line}:{p.column}: {p.message}" for p in result.problems]


def test_a_missing_flow_is_named_at_the_flow_key(flow_dir: Path) -> None:
    path = write_test(flow_dir, "# tests\nflow: contact.yaml\ntests: [{name: a}]\n")
    [finding] = findings(path)
    assert finding == f"2:7: cannot read {flow_dir / 'contact.yaml'}: No such file or directory"


def test_a_missing_step_is_named_with_a_suggestion(flow_dir: Path) -> None:
    path = write_test(
        flow_dir,
        """\
        flow: contacts.yaml
        tests:
          - name: a
            feed: {step: acount, records: []}
            expect:
              renam: {records: []}
            counters:
              tier: {in: 1}
              teir: {in: 1}
        """,
    )
    assert findings(path) == [
        "4:18: the flow has no step 'acount'; did you mean 'account'?",
        "6:7: the flow has no step 'renam'; did you mean 'rename'?",
        "9:7: the flow has no step 'teir'; did you mean 'tier'?",
    ]


def test_unknown_keys_and_bad_values(flow_dir: Path) -> None:
    path = write_test(
        flow_dir,
        """\
        flow: contacts.yaml
        jobId: "a b"
        tests:
          - name: a
            feeds: {records: []}
            expect:
              rename: {record: []}
              tier: {records: [], match: some}
        """,
    )
    assert findings(path) == [
        "2:8: key 'jobId': 'a b' does not match '^[A-Za-z0-9._-]+$'",
        "5:5: unknown key 'tests[0].feeds'; did you mean 'feed'?",
        "7:16: unknown key 'tests[0].expect.rename.record'; did you mean 'records'?",
        '8:34: key \'tests[0].expect.tier.match\': "some" is not one of "exact", "contains"',
    ]


def test_kinds_must_fit_the_steps(flow_dir: Path) -> None:
    path = write_test(
        flow_dir,
        """\
        flow: contacts.yaml
        tests:
          - name: files into a records reader
            feed: {files: [{name: a.csv, content: "x"}]}
          - name: records expected of a formatter
            expect: {dsv: {records: []}}
          - name: both
            feed: {records: [], files: []}
        """,
    )
    assert findings(path) == [
        "4:19: step 'account' takes records, not files",
        "6:29: step 'dsv' emits files, not records",
        "8:11: a feed gives either records or files",
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("flow: contacts.yaml\ntests: [{name: a}, {name: a}]\n", "2:27: a case named 'a' is already on line 2"),
        (
            "flow: contacts.yaml\ntests:\n  - name: a\n    feed: {step: upload, files: [{path: nowhere.csv}]}\n",
            "4:41: cannot read {dir}/nowhere.csv: No such file or directory",
        ),
        (
            "flow: contacts.yaml\nconfig: customer.yaml\ntests: [{name: a}]\n",
            "2:9: cannot read {dir}/customer.yaml: No such file or directory",
        ),
        (
            "flow: contacts.yaml\nnow: '2024-13-01T00:00'\ntests: [{name: a}]\n",
            "2:6: 'now' is not a date and time: '2024-13-01T00:00'",
        ),
        (
            "flow: contacts.yaml\ntests: [{name: a, now: yesterday}]\n",
            "2:24: 'now' is not a date and time: 'yesterday'",
        ),
        (
            "flow: contacts.yaml\ntests: [{name: a, feed: [{records: []}, {records: []}]}]\n",
            "2:41: step 'account' is fed twice in this case; give all its input in one feed",
        ),
        (
            "flow: contacts.yaml\ntests:\n  - name: a\n    feed: [\n",
            "5:1: did not find expected node content (while parsing a flow node at line 5, column 1)",
        ),
    ],
)
def test_other_mistakes(flow_dir: Path, body: str, expected: str) -> None:
    assert findings(write_test(flow_dir, body)) == [expected.format(dir=flow_dir)]


def test_a_flow_with_two_readers_needs_the_step_named(tmp_path: Path) -> None:
    (tmp_path / "two.yaml").write_text(
        "name: two\nsteps:\n"
        "  - {id: a, type: datasource.read.gigya.account, next: [w]}\n"
        "  - {id: b, type: datasource.read.gigya.account, next: [w]}\n"
        "  - {id: w, type: datasource.write.gigya.account}\n"
    )
    path = write_test(tmp_path, "flow: two.yaml\ntests:\n  - name: x\n    feed: {records: []}\n")
    assert findings(path) == ["4:11: name the step to feed: the flow has 2 readers (a, b)"]
