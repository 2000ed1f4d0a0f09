"""Smoke test of ``benchmarks.bench_sftp``: it runs end to end at a tiny size; no timing is checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.sftp import sshd

ROOT = Path(__file__).resolve().parents[2]


def test_bench_sftp_runs_end_to_end() -> None:
    reason = sshd.available()
    if reason:
        pytest.skip(f"no OpenSSH server to benchmark against: {reason}")
    command = [sys.executable, "-m", "benchmarks.bench_sftp", "--mb", "2", "--repeat", "1"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "ratio writer/put (median): " in done.stdout
    assert "datasource.write.sftp (tmp + rename)" in done.stdout
    assert "never retrieved" not in done.stderr
