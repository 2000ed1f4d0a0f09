"""The ``dataflow`` command end to end: run, graph, steps; exit codes 0/1/2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dataflow.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "flows" / "local" / "accounts-to-silverpop-csv.yaml"


@pytest.fixture
def in_sample_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory laid out like the repository, so the sample flow's relative paths resolve."""
    shutil.copytree(ROOT / "flows" / "local" / "data", tmp_path / "flows" / "local" / "data")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path / "home"))
    return tmp_path


def test_run_sample_flow_json_status(in_sample_tree: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["run", str(SAMPLE), "--json"])
    status = json.loads(capsys.readouterr().out)
    assert code == 0
    assert status["status"] == "succeeded"
    assert status["totalRecords"] == 1000
    counters = status["counters"]
    assert counters["parse"] == {
        "in": 1000,
        "out": 998,
        "errors": 2,
        "filtered": 0,
        "added": 0,
        "filesIn": 1,
        "filesOut": 0,
    }
    assert counters["dsv"]["out"] == 998 and counters["rejects"]["out"] == 2
    written = sorted(p.name for p in (in_sample_tree / "out" / "local").iterdir())
    assert len(written) == 2 and written[0].startswith("rejects_") and written[1].startswith("silverpop_")
    lines = (in_sample_tree / "out" / "local" / written[1]).read_text().splitlines()
    assert lines[0] == "GigyaUid,EMAIL,FIRST_NAME,LAST_NAME,COUNTRY,Subscribed"
    assert len(lines) == 999
    assert Path(status["workDir"]).is_relative_to(in_sample_tree / "home" / "jobs")


def test_run_limit_is_a_test_run(in_sample_tree: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["run", str(SAMPLE), "--limit", "10", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["counters"]["parse"]["in"] == 10
    assert status["counters"]["dsv"]["out"] == 10


def test_run_summary_table(in_sample_tree: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["run", str(SAMPLE)]) == 0
    output = capsys.readouterr().out
    assert "succeeded" in output and "rename" in output and "998" in output


def test_run_invalid_flow_exits_2(in_sample_tree: Path, capsys: pytest.CaptureFixture) -> None:
    flow = in_sample_tree / "bad.json"
    flow.write_text('{"name": "x", "steps": [{"id": "a", "type": "nope"}]}')
    assert main(["run", str(flow)]) == 2
    assert f"{flow}:1:" in capsys.readouterr().err


def test_run_failed_job_exits_1(in_sample_tree: Path, capsys: pytest.CaptureFixture) -> None:
    shutil.rmtree(in_sample_tree / "flows" / "local" / "data")
    assert main(["run", str(SAMPLE), "--json"]) == 1
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "failed"
    assert status["errorMessage"] == "step 'files' (datasource.read.file) failed: directory not found: flows/local/data"


def test_graph_mermaid_and_dot(capsys: pytest.CaptureFixture) -> None:
    assert main(["graph", str(SAMPLE)]) == 0
    mermaid = capsys.readouterr().out
    assert mermaid.startswith("flowchart LR")
    assert "-. error .->" in mermaid and mermaid.count("-->") == 6
    assert main(["graph", str(SAMPLE), "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    assert '"parse" -> "rejects" [style=dashed' in dot and '"dsv" -> "output";' in dot


def test_steps_lists_components_with_params(capsys: pytest.CaptureFixture) -> None:
    assert main(["steps", "--json"]) == 0
    listed = {entry["type"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert {
        "field.rename",
        "field.remove",
        "file.format.dsv",
        "file.parse.dsv",
        "datasource.read.file",
    } <= set(listed)
    dsv = listed["file.format.dsv"]
    assert dsv["consumes"] == "records" and dsv["produces"] == "files"
    assert dsv["params"]["writeHeader"] == {
        "type": "boolean",
        "required": False,
        "description": "Write the column names as the first row.",
        "default": True,
    }
    assert main(["steps", "field.renme"]) == 2
    assert "did you mean 'field.rename'" in capsys.readouterr().err


def test_console_script_runs_installed(tmp_path: Path) -> None:
    """The installed ``dataflow`` script (not only ``main()``) validates the sample flow."""
    script = Path(sys.executable).with_name("dataflow")
    done = subprocess.run(
        [str(script), "validate", str(SAMPLE)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DATAFLOW_HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert "1 flow(s) valid" in done.stdout


def test_config_file_fills_template_variables(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "name: vars\nsteps:\n  - id: read\n    type: datasource.read.file\n    params: {path: '{{inbox}}'}\n"
    )
    config = tmp_path / "site.yaml"
    config.write_text(f"inbox: {tmp_path}\n")
    assert main(["validate", str(flow)]) == 1
    assert "template variable {{inbox}} has no value" in capsys.readouterr().out
    assert main(["validate", str(flow), "--config", str(config)]) == 0
    assert main(["validate", str(flow), "--param", "oops"]) == 2
    assert "--param expects NAME=VALUE" in capsys.readouterr().err


def test_validating_a_directory_skips_configuration_files_beside_flows(
    capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """customer.example.yaml sits beside the Silverpop (and Azure) flows; a broken flow in a directory is still
    reported."""
    monkeypatch.setenv("DATAFLOW_SFTP_KNOWN_HOSTS", os.devnull)
    flows = ROOT / "flows"
    config = flows / "silverpop" / "customer.example.yaml"
    assert main(["validate", str(flows / "silverpop"), str(flows / "local"), "--config", str(config)]) == 0
    assert "9 flow(s) valid" in capsys.readouterr().out
    assert main(["validate", str(flows / "azure"), "--config", str(flows / "azure" / "customer.example.yaml")]) == 0
    assert "1 flow(s) valid" in capsys.readouterr().out
    broken = tmp_path / "flows"
    broken.mkdir()
    (broken / "settings.yaml").write_text("colour: blue\n")
    (broken / "bad.json").write_text('{"name": "x", "steps": [')
    assert main(["validate", str(broken)]) == 1
    output = capsys.readouterr().out
    assert "bad.json:1:" in output and "settings.yaml" not in output


def test_a_reader_that_leaves_early_is_not_an_error() -> None:
    """`dataflow schema | head -1`: the pipe closes under a long output; no traceback, exit 0."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dataflow.cli.main", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(10).startswith(b"{")
    process.stdout.close()
    error = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, error
    assert "Traceback" not in error
