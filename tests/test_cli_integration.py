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


def init(config: dict, tmp_path: Path, out: Path, *extra: str) -> int:
    path = tmp_path / "customer.yaml"
    path.write_text(yaml.safe_dump(config))
    return main(["init", "silverpop", "--config", str(path), "--out", str(out), *extra])


def test_init_writes_a_customers_flows_tables_and_checklist(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    config = yaml.safe_load(EXAMPLE.read_text())
    config.update(listId=42, podNumber=6)
    del config["favoritesTableId"], config["signalsTableId"]
    out = tmp_path / "acme"
    assert init(config, tmp_path, out) == 0
    flows = sorted(p.name for p in out.glob("*.json"))
    assert flows == [
        "inbound-optouts.json", "inbound-scoring.json", "outbound-accounts.json", "outbound-deletions.json",
        "outbound-gm.json", "outbound-likes.json",
    ]  # fmt: skip
    assert sorted(p.name for p in (out / "tables").iterdir()) == ["GM.csv", "Likes.csv"]
    assert "| NewsletterOffers | Yes/No | 1 |" in (out / "silverpop-setup.md").read_text()
    text = (out / "outbound-accounts.json").read_text()
    assert "{{" not in text and '"listId": 42' in text and '"podNumber": 6' in text
    assert '"clientSecret": "${env:SILVERPOP_CLIENT_SECRET}"' in text
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    config["likesTableId"] = 999
    assert init(config, tmp_path, out) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert init(config, tmp_path, out, "--force") == 0
    assert '"tableId": 999' in (out / "outbound-likes.json").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".acme.init-")]  # no staging left behind


def test_init_takes_a_known_hosts_file(tmp_path: Path) -> None:
    config = {k: v for k, v in yaml.safe_load(EXAMPLE.read_text()).items() if k != "hostKeyFingerprint"}
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDOGxJtPOdi/6oJ7UAiPN+tmTLg/ZiRocsSHtrPVNQNV"
    line = f"transfer-campaign-us-5.goacoustic.com {key}"
    (tmp_path / "known_hosts").write_text(line + "\n")
    config["knownHostsFile"] = "known_hosts"  # relative to the configuration file
    assert init(config, tmp_path, tmp_path / "out") == 0
    step = json.loads((tmp_path / "out" / "outbound-likes.json").read_text())["steps"][1]
    assert step["params"]["knownHosts"] == line + "\n" and "hostKeyFingerprint" not in step["params"]


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"clientSecret": "s3cret"}, 2, "customer.yaml:2:15: clientSecret must be an ${env:NAME} placeholder"),
        ({"colour": "blue"}, 2, "unknown setting 'colour'"),
        ({"newsletters": [{"subscription": "weekly"}]}, 2, "missing required setting 'newsletters[0].field'"),
        ({"knownHostsFile": "missing", "hostKeyFingerprint": None}, 2, "knownHostsFile"),
        ({"hostKeyFingerprint": "SHA256:not-a-fingerprint"}, 1, "hostKeyFingerprint"),
    ],
)
def test_init_writes_nothing_when_anything_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture, change: dict, status: int, message: str
) -> None:
    config = {**yaml.safe_load(EXAMPLE.read_text()), **change}
    config = {key: value for key, value in config.items() if value is not None}
    out = tmp_path / "acme"
    assert init(config, tmp_path, out) == status
    captured = capsys.readouterr()
    assert message in captured.err + captured.out
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["customer.yaml"]


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
    # the example configuration's layout, so the shipped flows run against it unchanged
    assert silverpop["lists"] == {"Gigya Master": 1234567}
    assert silverpop["tables"] == {"Likes": 2345671, "Favorites": 2345678, "GM": 2345685, "Signals": 2345692}
    assert silverpop["clientId"] == yaml.safe_load(EXAMPLE.read_text())["clientId"]
    assert silverpop["sftp"]["hostKeyFingerprint"] == yaml.safe_load(EXAMPLE.read_text())["hostKeyFingerprint"]
    assert process.returncode == 0


def test_inbound_flows_bring_silverpop_changes_back_to_gigya_in_the_sandbox(capsys: pytest.CaptureFixture) -> None:
    inbound = ROOT / "flows" / "silverpop" / "inbound-optouts.json"
    assert main(["run", str(inbound), "--sandbox", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    counters = status["counters"]
    assert counters["optOuts"]["out"] == 10  # every tenth of the demo's 100 contacts opted out in Silverpop
    # those subscribed to anything in Gigya are unsubscribed; the deleted ones have no account left to change
    assert 0 < counters["account"]["out"] <= 10
    assert counters["account"]["out"] == counters["evaluate"]["out"]
    assert counters["account"]["errors"] == 0


def test_deletions_and_signals_run_in_the_sandbox(capsys: pytest.CaptureFixture) -> None:
    deletions = ROOT / "flows" / "silverpop" / "outbound-deletions.json"
    assert main(["run", str(deletions), "--sandbox", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["counters"]["remove"]["out"] == 4  # the demo deletes four accounts that reached Silverpop
    assert status["frequencyType"] == "once" and status["hostName"] and status["processedRecords"] == 4
    signals = ROOT / "flows" / "silverpop" / "outbound-signals.json"
    assert main(["run", str(signals), "--sandbox", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counters"]["signalsTable"]["out"] > 100
