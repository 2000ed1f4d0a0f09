"""Smoke test of ``benchmarks.bench_gigya``: both halves run end to end at a tiny size (sandbox subprocesses).

Only that it works is checked (exit status, every mode read every account, the report's lines), never a timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_gigya_runs_end_to_end() -> None:
    options = ["--accounts", "3000", "--page", "1000", "--calls-per-connection", "4", "--connections", "1,3"]
    command = [sys.executable, "-m", "benchmarks.bench_gigya", *options, "--latency-ms", "5", "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert set(results["read"]["accounts_per_s"]) == {"baseline", "baseline-gc-off", "engine", "engine-prefetch"}
    assert [row["maxConnections"] for row in results["write"]["runs"]] == [1, 3]
    assert all(row["fraction_of_ideal"] > 0 for row in results["write"]["runs"])
    assert "ratio engine/baseline" not in done.stdout  # --json prints JSON only; progress went to stderr
    assert "engine-prefetch  run 1" in done.stderr
