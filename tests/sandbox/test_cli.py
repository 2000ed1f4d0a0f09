"""``dataflow sandbox gigya``: one JSON line once ready, then serving until SIGTERM; silverpop is refused."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

import pytest

from sandbox.cli import serve
from tests.sandbox.client import Client


def test_the_cli_prints_one_json_line_and_serves(gigya_cli: dict[str, Any]) -> None:
    assert set(gigya_cli) - {"process", "line"} == {"service", "url", "apiKey", "userKey", "secret", "dataCenter"}
    assert gigya_cli["service"] == "gigya" and gigya_cli["dataCenter"] == "us1"
    assert gigya_cli["url"].startswith("http://127.0.0.1:") and not gigya_cli["url"].endswith(":0")
    assert gigya_cli["line"].endswith("\n") and gigya_cli["line"].count("\n") == 1
    client = Client(gigya_cli["url"], gigya_cli["apiKey"], gigya_cli["userKey"], gigya_cli["secret"])
    counted = client.ok("accounts.search", query="SELECT count(*) FROM accounts", mode="sig")
    assert counted["results"] == [{"count(*)": 50}]
    process = gigya_cli["process"]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert process.stdout.read() == ""  # nothing after the JSON line


def test_sigint_stops_it_too(gigya_cli: dict[str, Any]) -> None:
    process = gigya_cli["process"]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0


def test_the_same_seed_gives_the_same_credentials_and_data(gigya_cli: dict[str, Any]) -> None:
    from sandbox.gigya import GigyaSandbox

    twin = GigyaSandbox(accounts=50, seed=3)
    assert twin.config.credentials() == {k: gigya_cli[k] for k in ("apiKey", "userKey", "secret", "dataCenter")}
    client = Client(gigya_cli["url"], gigya_cli["apiKey"], gigya_cli["userKey"], gigya_cli["secret"])
    first = client.ok("accounts.search", query="SELECT * FROM accounts LIMIT 1")["results"][0]
    assert first == twin.account(twin.uid(0))


def test_silverpop_without_its_package_is_not_available_yet(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sandbox.silverpop.cli", None)  # as if the package were absent
    args = argparse.Namespace(
        service="silverpop", host="127.0.0.1", port=0, seed=1, accounts=10, fault_rate=0.0, latency_ms=0.0
    )
    assert serve(args) == 2
    assert "not available yet" in capsys.readouterr().err


def test_a_busy_port_is_reported(gigya_sandbox: Any, capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(
        service="gigya", host="127.0.0.1", port=gigya_sandbox.port, seed=1, accounts=10, fault_rate=0.0, latency_ms=0.0
    )
    assert serve(args) == 1
    assert "cannot listen" in capsys.readouterr().err


def test_the_sandbox_stands_alone() -> None:
    """``sandbox`` imports nothing of the engine or the components (arrows point sandbox -> nothing of ours)."""
    import subprocess

    code = (
        "import sys, sandbox.cli, sandbox.gigya, sandbox.gigya.bench; "
        "sandbox.gigya.GigyaSandbox(accounts=3).call('accounts.search', query='SELECT * FROM accounts'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dataflow', 'steps')))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert completed.stdout.strip() == "[]"
