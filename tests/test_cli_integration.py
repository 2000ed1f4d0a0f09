"""The Gigya ⇄ Silverpop integration from the command line: ``run --sandbox``, ``init silverpop``, ``sandbox all``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dataflow.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
OUTBOUND = ROOT / "flows" / "silverpop" / "outbound-accounts.json"
EXAMPLE = ROOT / "flows" / "silverpop" / "customer.example.yaml"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path / "home"))
    for name in list(os.environ):  # --sandbox sets these in the process; leave the environment as it was
        if name.startswith(("GIGYA_", "SILVERPOP_")) or name == "DATAFLOW_SFTP_KNOWN_HOSTS":
            monkeypatch.delenv(name)
    monkeypatch.setattr(os, "environ", os.environ.copy())


def test_run_sample_flow_against_the_sandboxes(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert main(["run", str(OUTBOUND), "--sandbox"]) == 0
    output = capsys.readouterr().out
    assert "succeeded" in output
    assert "Silverpop database 'Gigya Master' (" in output and "now holds 1000 contacts" in output
    # sandbox runs keep their own state: no watermark or job in the operator's store
    assert (tmp_path / "home" / "sandbox" / "state.db").is_file()
    assert not (tmp_path / "home" / "state.db").exists()


def test_init_writes_a_customers_flows(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = yaml.safe_load(EXAMPLE.read_text())
    config.update(listId=42, podNumber=6)
    (tmp_path / "customer.yaml").write_text(yaml.safe_dump(config))
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    os.environ["DATAFLOW_SFTP_KNOWN_HOSTS"] = str(known_hosts)
    out = tmp_path / "acme"
    assert main(["init", "silverpop", "--config", str(tmp_path / "customer.yaml"), "--out", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.name for p in (ROOT / "flows" / "silverpop").glob("*.json"))
    text = (out / "outbound-accounts.json").read_text()
    assert "{{" not in text and '"listId": 42' in text and '"podNumber": 6' in text
    assert '"clientSecret": "${env:SILVERPOP_CLIENT_SECRET}"' in text
    assert main(["init", "silverpop", "--config", str(tmp_path / "customer.yaml"), "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err


def test_init_refuses_stored_secrets_and_incomplete_configs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = yaml.safe_load(EXAMPLE.read_text())
    (tmp_path / "literal.yaml").write_text(yaml.safe_dump({**config, "clientSecret": "s3cret"}))
    assert main(["init", "silverpop", "--config", str(tmp_path / "literal.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert "clientSecret must be an ${env:NAME} placeholder" in capsys.readouterr().err
    partial = {k: v for k, v in config.items() if k != "gmTableId"} | {"colour": "blue"}
    (tmp_path / "partial.yaml").write_text(yaml.safe_dump(partial))
    assert main(["init", "silverpop", "--config", str(tmp_path / "partial.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert "missing: gmTableId; not used by any flow: colour" in capsys.readouterr().err


def test_sandbox_all_prints_both_lines() -> None:
    script = Path(sys.executable).with_name("dataflow")
    process = subprocess.Popen(
        [str(script), "sandbox", "all", "--accounts", "5"], stdout=subprocess.PIPE, text=True, env=os.environ
    )
    try:
        gigya = json.loads(process.stdout.readline())
        silverpop = json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(20)
    assert gigya["service"] == "gigya" and gigya["url"].startswith("http://127.0.0.1:")
    assert silverpop["service"] == "silverpop" and silverpop["sftp"]["hostKey"].startswith("ssh-ed25519 ")
    assert set(silverpop["tables"]) == {"Likes", "Favorites", "GM", "Signals"}
    assert process.returncode == 0


def test_inbound_flows_bring_silverpop_changes_back_to_gigya_in_the_sandbox(capsys: pytest.CaptureFixture) -> None:
    inbound = ROOT / "flows" / "silverpop" / "inbound-optouts.json"
    assert main(["run", str(inbound), "--sandbox", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    counters = status["counters"]
    assert counters["silverpop"]["out"] == 100  # the demo's seeded contacts
    # opted-out contacts and changed newsletter choices differ from Gigya: exactly those accounts are written
    assert 0 < counters["account"]["out"] < 100
    assert counters["account"]["out"] == counters["evaluate"]["out"]
    assert counters["account"]["errors"] == 0
