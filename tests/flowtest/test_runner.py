"""Cases run against a real flow: services spliced out, fed data in, expectations met or reported."""

from __future__ import annotations

from pathlib import Path

from dataflow.flowtest.suite import run_file
from tests.flowtest.conftest import ACCOUNTS, write_test

PASSING = (
    """\
flow: contacts.yaml
now: "2024-05-01T08:30:00Z"
tests:
  - name: contacts get a tier and a CSV
"""
    + ACCOUNTS
    + """\
    expect:
      tier:
        records:
          - {GigyaUid: u1, EMAIL: ann@example.com, profile: {}, data: {tier: gold}, Tier: gold}
          - {GigyaUid: u2, EMAIL: ben@example.com, profile: {}, Tier: none}
      upload:
        files:
          - name: contacts_20240501.csv
            content: |
              GigyaUid,EMAIL,Tier
              u1,ann@example.com,gold
              u2,ben@example.com,none
    counters:
      tier: {in: 2, out: 2}
"""
)


def test_a_case_whose_expectations_hold_passes(flow_dir: Path) -> None:
    result = run_file(write_test(flow_dir, PASSING))
    assert result.problems == []
    [case] = result.cases
    assert case.failures == [], case.failures
    assert case.line == 4


def test_a_wrong_value_is_named_by_record_field_and_line(flow_dir: Path) -> None:
    path = write_test(flow_dir, PASSING.replace("Tier: none}", "Tier: silver}").replace("u2,ben@example.com,none", "x"))
    [case] = run_file(path).cases
    records, files = case.failures
    assert records.splitlines() == [
        "step 'tier': records differ",
        "  record 2 (line 13):",
        '    Tier: expected "silver", got "none"',
    ]
    assert files.splitlines()[:2] == [
        "step 'upload': files differ",
        "  file 1 (line 16) 'contacts_20240501.csv': content differs",
    ]
    assert "    -x" in files.splitlines() and "    +u2,ben@example.com,none" in files.splitlines()


def test_the_fixed_clock_names_the_files(flow_dir: Path) -> None:
    path = write_test(flow_dir, PASSING.replace('now: "2024-05-01T08:30:00Z"', 'now: "2023-12-31T23:59:59Z"'))
    [case] = run_file(path).cases
    assert "expected name 'contacts_20240501.csv', got 'contacts_20231231.csv'" in case.failures[0]


def test_counters_are_checked(flow_dir: Path) -> None:
    [case] = run_file(write_test(flow_dir, PASSING.replace("tier: {in: 2, out: 2}", "tier: {in: 2, out: 1}"))).cases
    assert case.failures == ["step 'tier' counters: out expected 1, got 2"]


def test_feeding_a_middle_step_skips_what_is_upstream(flow_dir: Path) -> None:
    path = write_test(
        flow_dir,
        """\
        flow: contacts.yaml
        tests:
          - name: straight into remove
            feed: {step: remove, records: [{GigyaUid: u9, profile: {x: 1}, Tier: gold}]}
            expect:
              remove: {records: [{GigyaUid: u9, Tier: gold}]}
            counters:
              rename: {in: 0}
              remove: {in: 1}
        """,
    )
    [case] = run_file(path).cases
    assert case.failures == []


def test_errors_of_a_step_are_expected_with_their_reason(flow_dir: Path) -> None:
    flow = (flow_dir / "contacts.yaml").read_text()
    (flow_dir / "contacts.yaml").write_text(
        flow.replace("data.tier == null ? 'none' : data.tier", "data == null ? 1 / 0 : data.tier")
    )
    path = write_test(
        flow_dir,
        """\
        flow: contacts.yaml
        tests:
          - name: a record without a tier fails in tier
            feed: {records: [{UID: u2}]}
            expect:
              tier:
                match: contains
                errors:
                  - GigyaUid: u2
                    _errorDetails: {stepId: tier, errorMessage: "cannot evaluate 'Tier': division by zero (1 / 0)"}
                records: []
        """,
    )
    [case] = run_file(path).cases
    assert case.failures == []


def test_a_flow_made_invalid_fails_its_cases_with_the_validation_finding(flow_dir: Path) -> None:
    flow = (flow_dir / "contacts.yaml").read_text()
    (flow_dir / "contacts.yaml").write_text(flow.replace("language: jexl", "langauge: jexl"))
    [case] = run_file(write_test(flow_dir, PASSING)).cases
    [failure] = case.failures
    assert failure.startswith("the flow is invalid: ")
    assert "contacts.yaml:17:7:" in failure and "unknown param 'langauge'" in failure


def test_connection_params_of_spliced_steps_do_not_matter(flow_dir: Path) -> None:
    """The SFTP writer has no host key and its password is an unset ${env:...}: spliced out, so no finding."""
    [case] = run_file(write_test(flow_dir, PASSING)).cases
    assert case.failures == []


def test_a_wrong_param_of_a_spliced_step_fails_its_cases(flow_dir: Path) -> None:
    """Set and wrong (validate rejects it) is the flow's fault, though the step does not run in a test."""
    flow = (flow_dir / "contacts.yaml").read_text()
    (flow_dir / "contacts.yaml").write_text(flow.replace("remotePath: /in}", "remotePath: /in, port: 99999}"))
    [case] = run_file(write_test(flow_dir, PASSING)).cases
    [failure] = case.failures
    assert failure.startswith("the flow is invalid: ") and "param 'port': 99999 is greater than" in failure


def test_template_variables_only_a_spliced_step_uses_need_no_value(flow_dir: Path) -> None:
    flow = (flow_dir / "contacts.yaml").read_text()
    (flow_dir / "contacts.yaml").write_text(flow.replace("host: sftp.example.com", 'host: "{{sftpHost}}"'))
    [case] = run_file(write_test(flow_dir, PASSING)).cases
    assert case.failures == []
    (flow_dir / "contacts.yaml").write_text(flow.replace("targetField: EMAIL", 'targetField: "{{emailColumn}}"'))
    [case] = run_file(write_test(flow_dir, PASSING)).cases
    assert "template variable {{emailColumn}} has no value" in case.failures[0]


def test_a_job_failure_fails_the_case(flow_dir: Path) -> None:
    flow = (flow_dir / "contacts.yaml").read_text()
    (flow_dir / "contacts.yaml").write_text(
        flow.replace('fileName: "contacts_${now:yyyyMMdd}.csv"', 'fileName: "${env:NAME}"')
    )
    [case] = run_file(write_test(flow_dir, PASSING)).cases
    assert case.failures[0].startswith("the job failed: step 'dsv' (file.format.dsv) failed")


def test_env_of_the_test_file_fills_env_placeholders(flow_dir: Path) -> None:
    flow = (flow_dir / "contacts.yaml").read_text()
    (flow_dir / "contacts.yaml").write_text(
        flow.replace('fileName: "contacts_${now:yyyyMMdd}.csv"', 'fileName: "${env:NAME}"')
    )
    body = PASSING.replace("tests:\n", "env: {NAME: contacts_20240501.csv}\ntests:\n", 1)
    [case] = run_file(write_test(flow_dir, body)).cases
    assert case.failures == []


def test_files_fed_from_a_path_and_unordered_records(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "in.csv").write_text("a,b\n1,x\n2,y\n")
    (tmp_path / "parse.yaml").write_text(
        "name: p\nsteps:\n"
        "  - {id: read, type: datasource.read.file, params: {path: data}, next: [parse]}\n"
        "  - {id: parse, type: file.parse.dsv, params: {columnSeparator: ','}}\n"
    )
    path = write_test(
        tmp_path,
        """\
        flow: parse.yaml
        tests:
          - name: rows in any order
            feed: {files: [{path: data/in.csv}]}
            expect:
              parse: {ordered: false, records: [{a: "2", b: y}, {a: "1", b: x}]}
          - name: a missing row is named
            feed: {files: [{path: data/in.csv, name: renamed.csv}]}
            expect:
              parse: {ordered: false, records: [{a: "3", b: z}, {a: "1", b: x}]}
        """,
        name="parse.test.yaml",
    )
    first, second = run_file(path).cases
    assert first.failures == []
    assert second.failures[0].splitlines()[1:] == [
        '  record 1 (line 10) not found: {"a":"3","b":"z"}',
        '  unexpected record: {"a":"2","b":"y"}',
    ]


def test_k_selects_cases_by_name(flow_dir: Path) -> None:
    body = PASSING + "  - name: another\n    expect: {tier: {records: []}}\n"
    result = run_file(write_test(flow_dir, body), lambda name: "another" in name)
    assert [case.name for case in result.cases] == ["another"]
