"""Smoke test of ``benchmarks.bench_partners``: both sides of each of four partners run end to end at a tiny size,
leave every record in their stand-in (the benchmark stops otherwise) and read the same count back; no timing is
checked. The benchmark starts and stops stand-ins of its own, kept apart from the test session's."""

from __future__ import annotations

import json
from typing import Any

from benchmarks.bench_partners import main
from tests.partners import stand_ins


def test_bench_partners_runs_end_to_end(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    own: dict[str, Any] = {}
    monkeypatch.setattr(stand_ins, "_RUNNING", own)
    partners = ["sfmc", "constantcontact", "mailchimp", "campaignmonitor"]
    try:
        assert main(["--records", "30", "--repeat", "1", "--only", ",".join(partners), "--json"]) == 0
    finally:
        for sandbox in own.values():
            sandbox.stop()
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["partner"] for row in rows] == partners
    assert all(row["records"] == 30 and row["write ratio"] > 0 for row in rows)
    assert all(row["read ratio"] > 0 for row in rows if row["partner"] != "sfmc")  # NaN if the counts differed
