"""--update writes what the steps emitted as the expectations, keeps the rest of the file, and reads back."""

from __future__ import annotations

import json
from pathlib import Path

from dataflow.flowtest.suite import run_file
from dataflow.flowtest.update import Change, _scalar, apply
from dataflow.loading import read_document
from tests.flowtest.conftest import ACCOUNTS, write_test

EMPTY = (
    """\
# The contacts flow's tests.
flow: contacts.yaml   # beside this file
now: "2024-05-01T08:30:00Z"
tests:
  - name: fill me
"""
    + ACCOUNTS
    + """\
    expect:
      tier: {}        # filled by --update
      upload: {}
    counters:
      tier: {}
"""
)


def test_empty_expectations_are_filled_and_then_pass(flow_dir: Path) -> None:
    path = write_test(flow_dir, EMPTY)
    [case] = run_file(path).cases
    assert "step 'tier': no expectation written; run with --update to record what it emits" in case.failures

    [case] = run_file(path, rewrite=True).cases
    assert case.failures == [] and case.updated == 3
    text = path.read_text()
    assert text.startswith("# The contacts flow's tests.\nflow: contacts.yaml   # beside this file\n")
    assert "# filled by --update" in text
    data, _ = read_document(path)
    expect = data["tests"][0]["expect"]
    assert expect["tier"]["records"][1] == {"GigyaUid": "u2", "EMAIL": "ben@example.com", "profile": {}, "Tier": "none"}
    assert expect["upload"]["files"] == [
        {
            "name": "contacts_20240501.csv",
            "content": "GigyaUid,EMAIL,Tier\nu1,ann@example.com,gold\nu2,ben@example.com,none\n",
        }
    ]
    assert data["tests"][0]["counters"]["tier"] == {"in": 2, "out": 2, "errors": 0, "filtered": 0, "added": 0}
    assert "            content: |\n              GigyaUid,EMAIL,Tier\n" in text  # a literal block, readable

    [case] = run_file(path).cases
    assert case.failures == []
    before = path.read_text()
    [case] = run_file(path, rewrite=True).cases
    assert case.updated == 0 and path.read_text() == before  # nothing to change: the file is left alone


def test_a_changed_flow_is_recorded_only_where_it_differs(flow_dir: Path) -> None:
    path = write_test(flow_dir, EMPTY)
    run_file(path, rewrite=True)
    flow = (flow_dir / "contacts.yaml").read_text()
    (flow_dir / "contacts.yaml").write_text(flow.replace("'none'", "'basic'"))
    [case] = run_file(path).cases
    assert any('Tier: expected "none", got "basic"' in failure for failure in case.failures)
    [case] = run_file(path, rewrite=True).cases
    assert case.updated == 2  # tier's records and upload's file; the counters are the same
    assert run_file(path).cases[0].failures == []


def test_contains_keeps_the_chosen_fields(flow_dir: Path) -> None:
    body = EMPTY.replace(
        "      tier: {}        # filled by --update\n",
        "      tier:\n        match: contains\n        records: [{Tier: gold}, {Tier: gold}]\n",
    )
    path = write_test(flow_dir, body)
    run_file(path, rewrite=True)
    data, _ = read_document(path)
    assert data["tests"][0]["expect"]["tier"]["records"] == [{"Tier": "gold"}, {"Tier": "none"}]


def test_values_yaml_would_misread_are_quoted(tmp_path: Path) -> None:
    path = tmp_path / "x.test.yaml"
    path.write_text("flow: f.yaml\ntests:\n  - name: a\n    expect:\n      s: {}\n")
    tricky = {"a": "Yes", "b": "12:30", "c": "1e3", "d": "null", "e": "~", "f": "2024-05-01", "g": "0x1F", "h": "no"}
    apply(path, [Change(("tests", 0, "expect", "s", "records"), [tricky, {"n": 1, "t": True, "z": None}])])
    data, _ = read_document(path)
    assert data["tests"][0]["expect"]["s"]["records"] == [tricky, {"n": 1, "t": True, "z": None}]
    assert _scalar("plain text") == "plain text"


def test_json_test_files_are_rewritten_whole(flow_dir: Path) -> None:
    document = {
        "flow": "contacts.yaml",
        "tests": [
            {
                "name": "json",
                "feed": {"records": [{"UID": "u1", "profile": {"email": "a@x"}}]},
                "expect": {"remove": {}},
            }
        ],
    }
    path = flow_dir / "contacts.test.json"
    path.write_text(json.dumps(document))
    [case] = run_file(path, rewrite=True).cases
    assert case.updated == 1
    written = json.loads(path.read_text())
    assert written["tests"][0]["expect"]["remove"] == {"records": [{"GigyaUid": "u1", "EMAIL": "a@x", "Tier": "none"}]}
    assert run_file(path).cases[0].failures == []


def test_a_failing_job_is_not_written_over(flow_dir: Path) -> None:
    flow = (flow_dir / "contacts.yaml").read_text()
    (flow_dir / "contacts.yaml").write_text(flow.replace('"contacts_${now:yyyyMMdd}.csv"', '"${env:UNSET}"'))
    path = write_test(flow_dir, EMPTY)
    [case] = run_file(path, rewrite=True).cases
    assert case.updated == 0 and case.failures[0].startswith("the job failed")
    assert path.read_text() == EMPTY


def test_binary_files_are_expected_by_name(flow_dir: Path) -> None:
    flow = (flow_dir / "contacts.yaml").read_text()
    gzip = "    next: [gzip]\n  - {id: gzip, type: file.compress.gzip, next: [upload]}\n"
    (flow_dir / "contacts.yaml").write_text(flow.replace("    next: [upload]\n", gzip))
    path = write_test(flow_dir, EMPTY.replace("      tier: {}        # filled by --update\n", ""))
    run_file(path, rewrite=True)
    data, _ = read_document(path)
    assert data["tests"][0]["expect"]["upload"]["files"] == [{"name": "contacts_20240501.csv.gz"}]
    assert run_file(path).cases[0].failures == []  # gzip headers carry a time: the bytes are not compared

    text = path.read_text().replace("{name: contacts_20240501.csv.gz}", "{name: contacts_20240501.csv.gz, content: x}")
    path.write_text(text)
    [failure] = run_file(path).cases[0].failures
    assert "'contacts_20240501.csv.gz': expected text, got" in failure and "bytes of binary data" in failure
    path.write_text(text.replace("content: x", "sha256: " + "ab" * 32))
    [failure] = run_file(path).cases[0].failures
    assert "'contacts_20240501.csv.gz': sha256 differs (got " in failure
