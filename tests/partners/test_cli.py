"""``dataflow sandbox NAME`` starts each partner stand-in and prints how to reach it; the partner's client works."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import requests

from sandbox.partners import PARTNERS

QUICK = ("mailchimp", "salesforce")  # one plain, one with an HTTPS listener; the rest run with -m slow


@pytest.mark.parametrize(
    "name", [n if n in QUICK else pytest.param(n, marks=pytest.mark.slow) for n in sorted(PARTNERS)]
)
def test_sandbox_command_serves_the_partner(name: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "dataflow.cli.main", "sandbox", name, "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        info = json.loads(line)
        assert info["service"] == name and info["url"].startswith("http://127.0.0.1:")
        answer = requests.get(f"{info['url']}/no/such/route", timeout=10)
        assert answer.status_code == 404
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
