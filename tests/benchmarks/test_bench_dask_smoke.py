"""Smoke test of ``benchmarks.bench_dask``: both halves run end to end at a tiny size and print their ratios.

Only that it works is checked (the byte-identity check between modes inside it, the counts, the report's lines),
never a timing. It starts three local Dask clusters and a sandbox, so it is kept out of the default run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_dask_runs_end_to_end(tmp_path: Path) -> None:
    options = ["--records", "400", "--files", "2", "--accounts", "300", "--page", "100", "--data-dir", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_dask", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "ratio 2 workers / 1 worker: " in done.stdout
    assert "ratio 4 readers / 1 reader: " in done.stdout
