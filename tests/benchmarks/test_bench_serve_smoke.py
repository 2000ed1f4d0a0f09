"""Smoke test of ``benchmarks.bench_serve``: both servers start, answer every call, and the report comes out.

Only that it works is checked (exit status, calls made, none failed), never a timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_serve_runs_end_to_end() -> None:
    command = [sys.executable, "-m", "benchmarks.bench_serve", "--clients", "4", "--seconds", "0.5", "--flows", "5"]
    done = subprocess.run([*command, "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for mode in ("api", "baseline"):
        assert results[mode]["calls"] > 0 and results[mode]["failures"] == 0, results
        assert results[mode]["p99_ms"] >= results[mode]["p50_ms"] > 0
    assert results["ratio_calls_per_s"] > 0
