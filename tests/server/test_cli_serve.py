"""``dataflow site`` and ``dataflow serve`` as an operator runs them: keys printed once, never listed; the server
started as a process on a free port answers the API for the CLI's own flows, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from dataflow.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "flows" / "local" / "accounts-to-silverpop-csv.yaml"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("DATAFLOW_HOME", str(home))
    return home


def test_site_add_key_list_rm(home: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["site", "add", "Acme", "--json"]) == 0
    keys = json.loads(capsys.readouterr().out)
    assert keys["apiKey"].startswith("3_") and len(keys["userKey"]) == 12 and len(keys["secret"]) == 32
    assert main(["site", "key", keys["apiKey"], "--user-key", "ops", "--secret", "b3Bz"]) == 0
    assert "userKey: ops" in capsys.readouterr().out
    assert main(["site", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Acme" in listing and "ops" in listing and keys["secret"] not in listing and "b3Bz" not in listing
    assert main(["site", "key", keys["apiKey"], "--secret", "not base64!"]) == 2
    assert main(["site", "key", "3_nobody"]) == 2
    assert main(["site", "add", "Again", "--api-key", keys["apiKey"]]) == 2
    assert main(["site", "rm", keys["apiKey"]]) == 0
    assert "removed site" in capsys.readouterr().out
    assert main(["site", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_serve_answers_for_the_local_site_and_stops_on_sigterm(home: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["flows", "add", str(SAMPLE)]) == 0
    assert main(["site", "add", "Local", "--api-key", "local", "--user-key", "me", "--secret", "bWU="]) == 0
    capsys.readouterr()
    process = subprocess.Popen(
        [sys.executable, "-m", "dataflow.cli.main", "serve", "--port", "0", "--no-scheduler"],
        env={**os.environ, "DATAFLOW_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = process.stdout.readline()
        assert "serving the IDX API and the console on http://127.0.0.1:" in first, first
        url = first.split(" on ", 1)[1].split("/ ", 1)[0]
        assert "scheduler off" in process.stdout.readline()
        body = requests.post(
            f"{url}/idx.search",
            data={"apiKey": "local", "userKey": "me", "secret": "bWU=", "query": "SELECT name FROM dataflow"},
            timeout=10,
        ).json()
        assert body["result"] == [{"name": "Local accounts export to Silverpop CSV"}]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    output = process.stdout.read()
    assert process.returncode == 0
    assert "server stopped" in output
    assert "bWU=" not in output  # the secret sent in the call never reaches the log
