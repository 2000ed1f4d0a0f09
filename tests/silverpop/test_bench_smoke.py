"""The Silverpop benchmark runs end to end at a tiny size (it never checks a timing)."""

from __future__ import annotations

from benchmarks.bench_silverpop import measure


def test_bench_silverpop_runs() -> None:
    result = measure(accounts=300, faults=True, poll=0.05, log=lambda message: None)
    assert result["accounts"] == 300 and result["records_per_second"] > 0
    assert set(result["split_seconds"]) == {
        "gigya read", "dsv format", "opt-out export", "writer prepare", "upload", "import job", "results",
        "transforms + engine",
    }  # fmt: skip
