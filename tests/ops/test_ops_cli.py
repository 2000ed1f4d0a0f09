"""Operators' commands: named flows, jobs, schedulings; two concurrent runs of one flow; notifications."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.accounts import write_csv
from dataflow.cli.main import main
from dataflow.store import open_store

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "flows" / "local" / "accounts-to-silverpop-csv.yaml"
NAME = "Local accounts export to Silverpop CSV"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("DATAFLOW_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "flows" / "local" / "data"
    data.mkdir(parents=True)
    (data / "accounts.csv").write_text((ROOT / "flows/local/data/accounts.csv").read_text())
    return home


def _out(capsys: pytest.CaptureFixture) -> str:
    return capsys.readouterr().out


def test_named_flows_versions_and_runs(home: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["flows", "add", str(SAMPLE)]) == 0
    assert "version 1" in _out(capsys)
    assert main(["flows", "add", str(SAMPLE)]) == 2
    assert "has not changed; still version 1" in capsys.readouterr().err
    assert main(["flows", "add", str(SAMPLE), "--draft"]) == 0
    assert "(draft) version 1" in _out(capsys)
    assert main(["flows", "list", "--json"]) == 0
    listed = json.loads(_out(capsys))
    assert sorted((f["name"], f["status"], f["version"]) for f in listed) == [
        (NAME, "draft", 1),
        (NAME, "published", 1),
    ]
    assert main(["flows", "show", NAME]) == 0
    shown = json.loads(_out(capsys))
    assert shown["name"] == NAME and shown["version"] == 1 and len(shown["steps"]) == 7

    assert main(["run", NAME, "--json"]) == 0
    status = json.loads(_out(capsys))
    assert status["status"] == "succeeded" and status["dataflowId"] == shown["id"]
    assert main(["jobs", NAME, "--json"]) == 0
    [job] = json.loads(_out(capsys))
    assert set(job) == {"id", "dataflowId", "dataflowName", "status", "startTime", "endTime", "attemptNumber"}
    assert job["id"] == status["id"] and job["status"] == "succeeded"
    assert main(["jobs", "show", job["id"]]) == 0
    shown_job = _out(capsys)
    assert "parse" in shown_job and "errors 2" in shown_job and "job succeeded" in shown_job
    assert main(["jobs", "kill", job["id"]]) == 2  # not running any more

    assert main(["schedule", "add", NAME, "--frequency-type", "hour", "--frequency-interval", "12",
                 "--start", "2026-12-01 06:00:00", "--failure-email", "ops@example.com"]) == 0  # fmt: skip
    assert "next start 2026-12-01T06:00:00.000Z" in _out(capsys)
    assert main(["schedule", "list", "--json"]) == 0
    [scheduling] = json.loads(_out(capsys))
    assert scheduling["nextJobStartTime"] == "2026-12-01T06:00:00.000Z"
    assert scheduling["frequencyType"] == "hour" and scheduling["frequencyInterval"] == 12
    assert main(["schedule", "rm", scheduling["id"]]) == 0
    assert main(["flows", "rm", NAME]) == 0
    assert main(["run", NAME]) == 2


def test_two_concurrent_runs_of_one_named_flow(home: Path, tmp_path: Path) -> None:
    write_csv(tmp_path / "flows" / "local" / "data" / "accounts.csv", 400_000)
    assert main(["flows", "add", str(SAMPLE)]) == 0
    script = Path(sys.executable).with_name("dataflow")
    environment = {**os.environ, "DATAFLOW_HOME": str(home)}
    first = subprocess.Popen(
        [str(script), "run", NAME, "--json"], cwd=tmp_path, env=environment, stdout=subprocess.PIPE, text=True
    )
    store = open_store(home)
    deadline = time.monotonic() + 30
    while not store.running_jobs() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert store.running_jobs(), "the first run should be running by now"
    second = subprocess.run(
        [str(script), "run", NAME], cwd=tmp_path, env=environment, capture_output=True, text=True, check=False
    )
    output, _ = first.communicate(timeout=120)
    assert second.returncode == 3
    assert f"refused: dataflow '{NAME}' is already running (job " in second.stderr
    assert json.loads(output)["status"] == "succeeded"
    assert first.returncode == 0


def test_notifications_by_mail_hold_the_summary_and_no_secret(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message) -> None:
            received.append(message)

    with socket.socket() as probe:  # a free loopback port for the mail server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        from dataflow import notify
        from dataflow.settings import SmtpSettings

        status = {
            "id": "j1",
            "dataflowName": "nightly",
            "dataflowId": "f1",
            "status": "failed",
            "attemptNumber": 2,
            "startTime": "s",
            "endTime": "e",
            "errorMessage": "step 'w' failed: login refused for secret hunter2hunter2",
            "counters": {"read": {"in": 5, "out": 4, "errors": 1, "filtered": 0, "added": 0}},
        }
        smtp = SmtpSettings(host="127.0.0.1", port=port, sender="df@x.org")
        scheduling = {"failureEmailNotification": "ops@example.com, oncall@example.com"}
        from dataflow.runtime.redaction import Redactor

        notify.send(smtp, notify.recipients(scheduling, "failed"), status, Redactor(["hunter2hunter2"]))
        assert notify.recipients(scheduling, "succeeded") == []
    finally:
        controller.stop()
    [mail] = received
    body = mail.get_payload()
    assert mail["To"] == "ops@example.com, oncall@example.com"
    assert mail["Subject"] == "[dataflow] nightly: job failed"
    assert "Job: j1 (attempt 2)" in body and "read" in body and "hunter2hunter2" not in body
    assert "********" in body


def test_prune_removes_old_work_directories(home: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["run", str(SAMPLE), "--json"]) == 0
    status = json.loads(_out(capsys))
    assert Path(status["workDir"]).is_dir()
    (home / "config.yaml").write_text("retention: {days: 0}\n")
    time.sleep(0.01)
    assert main(["jobs", "prune"]) == 0
    assert "removed the work directories of 1 job(s)" in _out(capsys)
    assert not Path(status["workDir"]).exists()


def test_flows_show_masks_the_values_of_secret_params(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    sftp = {"host": "h", "username": "u", "hostKeyFingerprint": "SHA256:" + "A" * 43}
    flow = {
        "name": "with secrets",
        "steps": [
            {"id": "get", "type": "datasource.read.sftp", "params": {**sftp, "password": "literal-pw-93c1"},
             "next": ["put"]},
            {"id": "put", "type": "datasource.write.sftp", "params": {**sftp, "password": "${env:SFTP_PASSWORD}"}},
        ],
    }  # fmt: skip
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps(flow))
    assert main(["flows", "add", str(path)]) == 0
    capsys.readouterr()
    assert main(["flows", "show", "with secrets"]) == 0
    shown = json.loads(_out(capsys))
    assert [step["params"]["password"] for step in shown["steps"]] == ["********", "********"]  # as the IDX API
    assert shown["steps"][0]["params"]["username"] == "u"  # only secret params are masked


def test_the_commands_use_a_postgresql_store_from_the_environment(
    home: Path, postgres, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    url = postgres.url(postgres.new_schema())
    monkeypatch.setenv("DATAFLOW_STORE", url)
    assert main(["flows", "add", str(SAMPLE)]) == 0
    assert main(["run", NAME, "--json"]) == 0
    status = json.loads(_out(capsys).split("\n", 1)[1])
    assert status["status"] == "succeeded"
    assert main(["jobs"]) == 0
    assert status["id"] in _out(capsys)
    assert not (home / "state.db").exists()  # nothing went to the SQLite file
    store = open_store(home, url)
    assert store.get_job(status["id"])["status"] == "succeeded" and store.get_watermark(status["dataflowId"])
    store.close()
