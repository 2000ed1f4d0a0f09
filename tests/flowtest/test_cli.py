"""``dataflow test`` end to end: the shipped sample flows pass their tests; a broken flow fails them; exit codes
0/1/2; JUnit XML."""

from __future__ import annotations

import base64
import json
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from dataflow.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_every_sample_flow_has_tests_and_they_pass(capsys: pytest.CaptureFixture) -> None:
    flows = sorted(p for p in (ROOT / "flows").rglob("*") if p.suffix in (".json", ".yaml") and ".test." not in p.name)
    flows = [p for p in flows if not p.name.startswith("customer.")]  # the Silverpop configurations
    for flow in flows:
        assert flow.with_name(flow.name.split(".")[0] + ".test.yaml").is_file(), f"{flow} has no test file"
    assert main(["test", str(ROOT / "flows")]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out
    assert out.rstrip().endswith(f"case(s) passed in {len(flows)} file(s)")


@pytest.fixture
def flows_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    return tmp_path / "flows"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_broken_mapping_fails_the_tests_with_the_difference(flows_copy: Path, capsys: pytest.CaptureFixture) -> None:
    edit(flows_copy / "local" / "accounts-to-silverpop-csv.yaml", "targetField: COUNTRY", "targetField: Country")
    edit(flows_copy / "silverpop" / "outbound-accounts.json", '"MM/dd/yyyy HH:mm:ss"', '"yyyy-MM-dd HH:mm:ss"')
    assert main(["test", str(flows_copy), "--junit", str(flows_copy / "report.xml")]) == 1
    out = capsys.readouterr().out
    assert 'COUNTRY: expected "US", missing' in out
    assert "+u1,ann@example.com,Ann,Lee,US,true" not in out  # the file diff shows the new header instead
    assert "+MobilePhone,Phone,SmsOptIn,GigyaUid" not in out  # the header is unchanged: not in the diff
    assert '-+12015550123,,Yes,u1,ann@example.com,Ann,Lee,f,US,Boston,"site,google",05/01/2024 22:59:59,true' in out
    assert '++12015550123,,Yes,u1,ann@example.com,Ann,Lee,f,US,Boston,"site,google",2024-05-01 22:59:59,true' in out
    assert "-,,No,u3,cy@example.com,Chu,01/01/2024 00:00:00,true" in out
    report = ElementTree.parse(flows_copy / "report.xml").getroot()
    assert report.get("failures") == "4" and report.get("errors") == "0"  # two local cases, two Silverpop
    failed = {case.get("name") for case in report.iter("testcase") if case.find("failure") is not None}
    assert "missing fields stay empty cells; a subscription the configuration does not name is not sent" in failed


def test_a_broken_script_fails_the_inbound_tests(flows_copy: Path, capsys: pytest.CaptureFixture) -> None:
    """The opt-out script is changed to let a change in Gigya at the second of the opt-out win."""
    path = flows_copy / "silverpop" / "inbound-optouts.json"
    document = json.loads(path.read_text())
    [step] = [s for s in document["steps"] if s["id"] == "evaluate"]
    script = base64.b64decode(step["params"]["script"]).decode()
    assert "since > optedOut" in script
    step["params"]["script"] = base64.b64encode(
        script.replace("since > optedOut", "since >= optedOut").encode()
    ).decode()
    path.write_text(json.dumps(document))
    assert main(["test", str(path.with_name("inbound-optouts.test.yaml"))]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and 'UID: expected "u2", got "u3"' in out
    assert "subscriptions.newsletterWeekly.email.isSubscribed: expected false, missing" in out
    assert 'missing record 2 (line 52): {"UID":"u3"' in out


def test_a_step_removed_from_the_flow_makes_the_test_file_bad(flows_copy: Path, capsys: pytest.CaptureFixture) -> None:
    path = flows_copy / "silverpop" / "outbound-favorites.json"
    edit(path, '"id": "flatten"', '"id": "rows"')
    edit(path, '"next": [\n        "flatten"', '"next": [\n        "rows"')
    assert main(["test", str(flows_copy / "silverpop")]) == 2
    out = capsys.readouterr().out
    test_file = flows_copy / "silverpop" / "outbound-favorites.test.yaml"
    assert f"{test_file}:30:7: the flow has no step 'flatten'" in out
    assert "ok   " in out  # the other files' cases still ran


def test_no_test_files_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["test", str(tmp_path)]) == 2
    assert "no test files" in capsys.readouterr().err


def test_junit_reports_bad_files_as_errors(tmp_path: Path) -> None:
    (tmp_path / "x.test.yaml").write_text("flow: nowhere.json\ntests: [{name: a}]\n")
    assert main(["test", str(tmp_path), "--junit", str(tmp_path / "out" / "junit.xml")]) == 2
    report = ElementTree.parse(tmp_path / "out" / "junit.xml").getroot()
    [suite] = report.findall("testsuite")
    assert (suite.get("tests"), suite.get("errors"), suite.get("failures")) == ("1", "1", "0")
    error = suite.find("testcase/error")
    assert error is not None and "x.test.yaml:1:7: cannot read" in (error.text or "")


def test_the_readme_example_runs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    readme = (ROOT / "README.md").read_text()
    example = readme.split("### Flow unit tests", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    shutil.copy(ROOT / "flows" / "local" / "accounts-to-silverpop-csv.yaml", tmp_path)
    (tmp_path / "accounts-to-silverpop-csv.test.yaml").write_text(example)
    assert main(["test", str(tmp_path)]) == 1
    assert "step 'output': no expectation written; run with --update" in capsys.readouterr().out
    assert main(["test", str(tmp_path), "--update"]) == 0
    assert main(["test", str(tmp_path)]) == 0
    assert "# at the flow's reader" in (tmp_path / "accounts-to-silverpop-csv.test.yaml").read_text()
