"""Partitions on real worker processes: the flow travels pickled, and a worker killed mid-job loses nothing.

A worker that dies (SIGKILL: no clean-up, no result) takes its partition with it; Dask's scheduler runs the
partition again on a worker that lives, and the new attempt works in a fresh directory. The job must end with
exactly what one in-process run writes: no record lost, none written twice, counters that add up.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataflow.cli.main import main
from dataflow.runtime.dask_executor import DaskExecutor
from tests.dask.conftest import run_both
from tests.helpers import assert_reconciled, step


@pytest.fixture(scope="module")
def process_dask() -> Iterator[DaskExecutor]:
    with DaskExecutor(workers=2, processes=True) as executor:
        executor.client  # noqa: B018 - start the workers once for the module
        yield executor


def write_files(directory: Path, files: int = 4, rows: int = 500) -> Path:
    directory.mkdir(parents=True)
    for f in range(files):
        lines = "".join(f"f{f}r{r},{r % 10},name {f}-{r}\n" for r in range(rows))
        (directory / f"part{f}.csv").write_text("n,score,name\n" + lines)
    return directory


def killer_flow(source: Path, marker: Path) -> Any:
    def make(out: Path) -> dict[str, Any]:
        return {
            "name": "dies once",
            "steps": [
                step("read", "datasource.read.file", {"path": str(source), "sortBy": "name"}, next=["parse"]),
                step("parse", "file.parse.dsv", {}, next=["kill"]),
                step("kill", "test.killworker", {"marker": str(marker), "at": "f2r300"}, next=["score"]),
                step(
                    "score",
                    "field.evaluate",
                    {"fields": [{"field": "high", "expression": "score > 5 ? 'yes' : 'no'"}]},
                    next=["csv"],
                ),
                step("csv", "file.format.dsv", {"fileName": "scores.csv"}, next=["write"]),
                step("write", "datasource.write.file", {"path": str(out)}),
            ],
        }

    return make


def test_a_worker_killed_mid_partition_is_replaced_and_nothing_is_lost_or_doubled(
    tmp_path: Path, process_dask: DaskExecutor
) -> None:
    source = write_files(tmp_path / "in")
    marker = tmp_path / "killed.pid"
    marker.write_text("the in-process run must not kill the test")
    make = killer_flow(source, marker)

    def partitioned_after_reset(out: Path) -> dict[str, Any]:
        marker.unlink(missing_ok=True)  # the single run is over: arm the killer for the partitioned one
        return make(out)

    calls = iter([make, partitioned_after_reset])
    single, partitioned = run_both(lambda out: next(calls)(out), tmp_path, process_dask, batch_size=50)
    killed_pid = int(marker.read_text())
    assert killed_pid != os.getpid()  # a worker process died, not this one
    assert partitioned.status["status"] == "succeeded", partitioned.status.get("errorMessage")
    assert partitioned.file("scores.csv") == single.file("scores.csv")
    assert partitioned.file("scores.csv").count(b"\n") == 4 * 500 + 1
    assert partitioned.status["counters"] == single.status["counters"]
    assert_reconciled(partitioned.status)
    # the dead attempt of partition 3 left its directory behind; the job used a fresh one
    attempts = [path.name[:4] for path in (Path(partitioned.status["workDir"]) / "partitions").iterdir()]
    assert attempts.count("0003") >= 2 and {"0001", "0002", "0004"} <= set(attempts)


def test_dataflow_run_with_the_dask_executor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    source = write_files(tmp_path / "in", files=3, rows=20)
    flow = {
        "name": "cli",
        "steps": [
            step("read", "datasource.read.file", {"path": str(source), "sortBy": "name"}, next=["parse"]),
            step("parse", "file.parse.dsv", {}, next=["json"]),
            step("json", "file.format.jsonl", {"fileName": "all.jsonl"}, next=["write"]),
            step("write", "datasource.write.file", {"path": str(tmp_path / "out")}),
        ],
    }
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(flow))
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path / "home"))
    assert main(["run", str(path), "--executor", "dask", "--workers", "1", "--json"]) == 0
    captured = capsys.readouterr()
    status = json.loads(captured.out)
    assert "partitions run on the local Dask cluster of 1 worker processes" in captured.err
    assert "the job runs as 3 partitions" in "\n".join(status["trace"])
    lines = (tmp_path / "out" / "all.jsonl").read_text().splitlines()
    assert [json.loads(line)["n"] for line in lines] == [f"f{f}r{r}" for f in range(3) for r in range(20)]
