"""Smoke test of ``benchmarks.bench_storage``: it runs end to end at a tiny size on the in-process FTP server (the
other stores share the code path); no timing is checked."""

from __future__ import annotations

from benchmarks.bench_storage import main


def test_bench_storage_runs_end_to_end(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--mb", "1", "--repeat", "1", "--stores", "ftp"]) == 0
    out = capsys.readouterr().out
    assert "MiB/s (component / raw client = ratio)" in out
    assert out.splitlines()[-1].startswith("ftp ")
