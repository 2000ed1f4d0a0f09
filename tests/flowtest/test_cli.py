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
    flows = [p for p in flows if p.name != "customer.example.yaml"]
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
    assert "+MobilePhone,GigyaUid,EMAIL,FirstName" not in out
    assert '-+15550100,u1,ann@example.com,Ann,Lee,f,US,Boston,"site,google",true,true,false,05/01/2024 08:30:00' in out
    assert '++15550100,u1,ann@example.com,Ann,Lee,f,US,Boston,"site,google",true,true,false,2024-05-01 08:30:00' in out
    report = ElementTree.parse(flows_copy / "report.xml").getroot()
    assert report.get("failures") == "3" and report.get("errors") == "0"
    failed = [case.get("name") for case in report.iter("testcase") if case.find("failure") is not None]
    assert "accounts become contact rows keyed by GigyaUid" in failed


def test_a_broken_script_fails_the_inbound_tests(flows_copy: Path, capsys: pytest.CaptureFixture) -> None:
    """The opt-out script is changed to ignore 'Opted Out': the opted-out contact keeps two newsletters."""
    path = flows_copy / "silverpop" / "inbound-optouts.json"
    document = json.loads(path.read_text())
    [step] = [s for s in document["steps"] if s["id"] == "evaluate"]
    script = base64.b64decode(step["params"]["script"]).decode()
    step["params"]["script"] = base64.b64encode(script.replace("=== 'T'", "=== 'never'").encode()).decode()
    path.write_text(json.dumps(document))
    assert main(["test", str(path.with_name("inbound-optouts.test.yaml"))]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "subscriptions.newsletterWeekly.email.isSubscribed: expected false, missing" in out
    assert 'data.subscribed: expected "false", missing' in out


def test_a_step_removed_from_the_flow_makes_the_test_file_bad(flows_copy: Path, capsys: pytest.CaptureFixture) -> None:
    path = flows_copy / "silverpop" / "outbound-gm.json"
    edit(path, '"id": "extract"', '"id": "arrays"')
    edit(path, '"next": [\n        "extract"', '"next": [\n        "arrays"')
    assert main(["test", str(flows_copy / "silverpop")]) == 2
    out = capsys.readouterr().out
    assert f"{flows_copy / 'silverpop' / 'outbound-gm.test.yaml'}:8:13: the flow has no step 'extract'" in out
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
