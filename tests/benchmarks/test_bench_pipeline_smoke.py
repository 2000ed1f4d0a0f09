"""Smoke test of ``benchmarks.bench_pipeline``: it runs end to end at a tiny size and prints its targets.

Only that it works is checked (exit status, the byte-identity check inside it, the report's lines), never a
timing: at this size the numbers are noise, and a benchmark's speed is not a pass/fail property.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_pipeline_runs_end_to_end(tmp_path: Path) -> None:
    options = ["--records", "2000", "--small", "1000", "--data-dir", str(tmp_path / "data")]
    command = [sys.executable, "-m", "benchmarks.bench_pipeline", *options]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "ratio engine/baseline at 2k: " in done.stdout
    assert "engine peak RSS 2k vs 1k: " in done.stdout
    assert "bytes/row on average" in done.stdout
