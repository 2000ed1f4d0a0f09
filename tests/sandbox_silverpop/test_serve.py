"""The CLI entry (``serve``), seed determinism, and the rule that the sandbox stands alone."""

from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from sandbox.silverpop import ManualClock, SilverpopConfig, SilverpopSandbox
from sandbox.silverpop.cli import serve
from sandbox.silverpop.sftp import SFTPService

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "service",
    "url",
    "port",
    "api",
    "tokenUrl",
    "sftp",
    "clientId",
    "clientSecret",
    "refreshToken",
    "lists",
    "tables",
}


def _token(info: dict) -> requests.Response:  # type: ignore[type-arg]
    form = {
        "grant_type": "refresh_token",
        "client_id": info["clientId"],
        "client_secret": info["clientSecret"],
        "refresh_token": info["refreshToken"],
    }
    return requests.post(info["tokenUrl"], data=form, timeout=10)


def test_module_prints_one_json_line_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.silverpop", "--seed", "3", "--accounts", "5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        assert set(info) == KEYS and info["service"] == "silverpop"
        assert info["api"] == info["url"] + "/XMLAPI" and info["tokenUrl"] == info["url"] + "/oauth/token"
        assert set(info["sftp"]) == {"host", "port", "username", "password", "hostKey", "hostKeyFingerprint"}
        assert info["sftp"]["port"] > 0 and info["sftp"]["hostKeyFingerprint"].startswith("SHA256:")
        assert set(info["lists"]) == {"Gigya Master", "Newsletter"}
        assert set(info["tables"]) == {"Likes", "Favorites", "GM", "Signals"}
        assert _token(info).status_code == 200
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        assert out == ""  # exactly one line in all
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_serve_reads_the_dataflow_cli_namespace() -> None:
    """The dataflow CLI's flags (no ``--sftp-port`` yet) are enough; ``stop`` ends it without a signal."""
    args = argparse.Namespace(
        service="silverpop", host="127.0.0.1", port=0, seed=4, accounts=2, fault_rate=0.0, latency_ms=0.0
    )
    ready, stop = threading.Event(), threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(serve(args, ready=ready, stop=stop)))
    thread.start()
    try:
        assert ready.wait(20)
    finally:
        stop.set()
        thread.join(20)
    assert result == [0]


def test_a_busy_port_is_exit_code_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        for flags in ({"port": busy.getsockname()[1]}, {"sftp_port": busy.getsockname()[1]}):
            args = argparse.Namespace(service="silverpop", host="127.0.0.1", seed=1, **flags)
            assert serve(args) == 1
    assert "cannot listen" in capsys.readouterr().err


def test_an_sftp_server_that_could_not_listen_stops_cleanly(tmp_path: Path) -> None:
    """The failed start's loop is closed before start() raises, so stop() never calls into a closed loop (it
    used to, now and then: the cause of the busy-port test failing under load)."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        for _ in range(100):  # the old race showed in about one run of 20 in five
            server = SFTPService(tmp_path, lambda user, password: False, port=busy.getsockname()[1])
            with pytest.raises(OSError):
                server.start()
            server.stop()
            server.stop()


def test_same_seed_same_org_and_different_seed_different() -> None:
    def snapshot(seed: int) -> tuple:  # type: ignore[type-arg]
        sandbox = SilverpopSandbox(SilverpopConfig(seed=seed), clock=ManualClock(), tick_s=None)
        try:
            info = sandbox.info() | {"url": "", "port": 0, "api": "", "tokenUrl": "", "sftp": {}}
            contacts = [(c["recipientId"], c["fields"], c["optedOut"]) for c in sandbox.contacts("Gigya Master")]
            return info, contacts
        finally:
            sandbox.stop()

    assert snapshot(9) == snapshot(9)
    assert snapshot(9) != snapshot(10)
    assert len(snapshot(9)[1]) == 20


def test_the_sandbox_imports_nothing_from_the_engine() -> None:
    code = (
        "import sys, sandbox.silverpop, sandbox.silverpop.cli, sandbox.silverpop.server;"
        "print([m for m in sys.modules if m.split('.')[0] in ('dataflow', 'steps')])"
    )
    answer = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip() == "[]"
