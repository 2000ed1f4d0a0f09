"""Partitioned runs of file flows on a Dask cluster give what one in-process run gives.

One partition per input file, in the order the reader lists them, so even the order of records is the single
run's: outputs are compared byte for byte, with the counters and the error file (less its timestamps).
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from pathlib import Path
from typing import Any

from dataflow.runtime.partitioned import make_runner
from dataflow.runtime.runner import RunOptions
from dataflow.scripting import encode_script
from dataflow.validation import validate_text
from tests.dask.components import registry
from tests.dask.conftest import run_both
from tests.helpers import assert_reconciled, step
from tests.ops.conftest import Gate

PLAIN_SCRIPT = "function process(record, ctx, logger) {\n  record.js = 'yes';\n  return record;\n}"
STATEFUL_SCRIPT = (
    "function process(record, ctx) {\n  ctx.seen = (ctx.seen || 0) + 1;\n  record.seen = ctx.seen;\n  return record;\n}"
)


def write_inputs(directory: Path) -> Path:
    """Three CSV files: the second brings a column the first lacks, bad rows and records marked to fail."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "a.csv").write_text(
        "n,name,email\n" + "".join(f"a{i},Ann {i},ann{i}@example.org\n" for i in range(40)) + "broken,row\n"
    )
    rows = []
    for i in range(30):
        flag = "1" if i % 7 == 0 else ""
        rows.append(f'b{i},"Bo, {i}",bo{i}@example.org,{flag},{"x" * (i % 3)}\n')
    (directory / "b.csv").write_text("n,name,email,fail,extra\n" + "".join(rows))
    (directory / "c.csv").write_text("n,name\n" + "".join(f"c{i},Cy {i}\n" for i in range(25)) + 'c25,"open\n')
    return directory


def file_flow(source: Path, script: str = PLAIN_SCRIPT, **dsv: Any) -> Any:
    def make(out: Path) -> dict[str, Any]:
        return {
            "name": "files to files",
            "steps": [
                step("read", "datasource.read.file", {"path": str(source), "sortBy": "name"}, next=["parse"]),
                step("parse", "file.parse.dsv", {}, next=["flag"], error=["rejects"]),
                step("flag", "test.flag", {"tag": "ok"}, next=["upper"]),
                step(
                    "upper",
                    "field.evaluate",
                    {"fields": [{"field": "shout", "expression": "name.toUpperCase()"}]},
                    next=["js"],
                ),
                step("js", "record.evaluate", {"script": encode_script(script)}, next=["csv", "json", "done"]),
                step("csv", "file.format.dsv", {"fileName": "out.csv", **dsv}, next=["write"]),
                step("json", "file.format.json", {"fileName": "out.json"}, next=["write"]),
                step("done", "file.empty", {"fileName": "done.ok"}, next=["write"]),
                step("rejects", "file.format.jsonl", {"fileName": "rejects.jsonl"}, next=["write"]),
                step("write", "datasource.write.file", {"path": str(out)}),
            ],
        }

    return make


def test_a_partitioned_run_writes_what_one_run_writes(tmp_path: Path, threaded_dask) -> None:
    source = write_inputs(tmp_path / "in")
    single, partitioned = run_both(file_flow(source), tmp_path, threaded_dask)
    assert single.status["status"] == partitioned.status["status"] == "succeeded"
    assert partitioned.names() == single.names() == ["done.ok", "out.csv", "out.json", "rejects.jsonl"]
    for name in single.names():
        assert partitioned.file(name) == single.file(name), name
    assert partitioned.status["counters"] == single.status["counters"]
    assert_reconciled(partitioned.status)
    assert partitioned.status["counters"]["parse"]["errors"] == 2  # the broken row and c.csv's unclosed quote
    assert partitioned.status["counters"]["flag"]["errors"] == 5
    assert partitioned.errors() == single.errors() and len(single.errors()) == 5
    for key in ("totalRecords", "failedRecords"):
        assert partitioned.status[key] == single.status[key]
    trace = "\n".join(partitioned.status["trace"])
    assert "the job runs as 3 partitions" in trace
    assert "partition 2/3 (step 'read': b.csv)" in trace
    assert "[csv] wrote out.csv from 3 partition part(s): 90 records" in trace
    header = single.file("out.csv").split(b"\n")[0]
    assert header == b"n,name,email,tags,shout,js,fail,extra"  # the second file's columns came late


def test_with_max_file_size_the_parts_are_kept_and_hold_the_same_rows(tmp_path: Path, threaded_dask) -> None:
    source = write_inputs(tmp_path / "in")
    single, partitioned = run_both(file_flow(source, maxFileSize=0.001), tmp_path, threaded_dask)

    def rows(outcome) -> list[bytes]:
        parts = [name for name in outcome.names() if name.startswith("out") and name.endswith(".csv")]
        body = [outcome.file(name).split(b"\n")[1:] for name in sorted(parts, key=lambda n: (len(n), n))]
        return [line for lines in body for line in lines if line]

    assert rows(partitioned) == rows(single)
    joined, alone = partitioned.status["counters"], single.status["counters"]
    assert {k: v for k, v in joined.items() if k not in ("csv", "write")} == {
        k: v for k, v in alone.items() if k not in ("csv", "write")
    }
    assert {**joined["csv"], "filesOut": 0} == {**alone["csv"], "filesOut": 0}  # only the number of parts differs
    assert joined["csv"]["filesOut"] >= alone["csv"]["filesOut"] > 1


def test_a_step_with_state_across_records_runs_the_job_as_one_partition(tmp_path: Path, threaded_dask) -> None:
    source = write_inputs(tmp_path / "in")
    single, partitioned = run_both(file_flow(source, STATEFUL_SCRIPT), tmp_path, threaded_dask)
    assert partitioned.file("out.csv") == single.file("out.csv")
    seen = [row["seen"] for row in csv.DictReader(io.StringIO(single.file("out.csv").decode()))]
    assert seen == [str(n) for n in range(1, 91)]  # ctx counted across all three files, in one partition
    assert partitioned.status["counters"] == single.status["counters"]
    trace = "\n".join(partitioned.status["trace"])
    assert (
        "the job runs as one partition: step 'js' (record.evaluate) cannot run in partitions: "
        "its script uses ctx, which is kept across the records of the whole job" in trace
    )


def test_a_limit_keeps_the_job_in_one_partition(tmp_path: Path, threaded_dask) -> None:
    source = write_inputs(tmp_path / "in")
    single, partitioned = run_both(file_flow(source), tmp_path, threaded_dask, limit=50)
    assert partitioned.file("out.csv") == single.file("out.csv")
    assert partitioned.status["counters"] == single.status["counters"]
    assert partitioned.status["counters"]["parse"]["out"] == 50
    assert "one partition: --limit counts the first records of one stream" in "\n".join(partitioned.status["trace"])


def test_a_failing_partition_fails_the_job_with_its_message(tmp_path: Path, threaded_dask) -> None:
    source = write_inputs(tmp_path / "in")

    def make(out: Path) -> dict[str, Any]:
        flow = file_flow(source)(out)
        flow["steps"][2] = step("flag", "test.explode", {}, next=["upper"])
        return flow

    single, partitioned = run_both(make, tmp_path, threaded_dask)
    assert single.status["status"] == partitioned.status["status"] == "failed"
    assert (
        partitioned.status["errorMessage"] == single.status["errorMessage"] == "step 'flag' (test.explode) failed: boom"
    )
    assert "ValueError: boom" in partitioned.status["errorDetails"]


def test_a_kill_request_stops_the_partitions(tmp_path: Path, threaded_dask) -> None:
    source = write_inputs(tmp_path / "in")
    Gate.opened.clear()
    Gate.entered.clear()
    flow = file_flow(source)(tmp_path / "out")
    flow["steps"][2] = step("flag", "test.gate", {}, next=["upper"])
    validated = validate_text(json.dumps(flow), "gated.json", registry=registry().extended({"test.gate": Gate}))
    options = RunOptions(work_root=tmp_path / "jobs", executor=threaded_dask)
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.update(make_runner(validated, options).run()))
    worker.start()
    try:
        assert Gate.entered.wait(10)
        options.cancel_event.set()
        time.sleep(1.0)  # the partitions' watchers see the kill event within half a second
    finally:
        Gate.opened.set()
    worker.join(20)
    assert result["status"] == "killed"
    assert not (tmp_path / "out" / "out.csv").exists()


def test_the_scheduler_hands_a_scheduled_job_to_dask(tmp_path: Path, threaded_dask) -> None:
    from concurrent.futures import wait

    from dataflow.runtime.jobs import JobService
    from dataflow.scheduler import Scheduler
    from dataflow.settings import Settings
    from dataflow.store import open_store

    source = write_inputs(tmp_path / "in")
    store = open_store(tmp_path / "home")
    flow = store.save_flow(file_flow(source)(tmp_path / "out"))
    store.add_scheduling(
        {"name": "nightly", "dataflowId": flow.id, "frequencyType": "once", "nextJobStartTime": "2026-01-01"}
    )
    service = JobService(store, Settings(), tmp_path / "jobs", environ={}, registry=registry(), executor=threaded_dask)
    scheduler = Scheduler(service, log=lambda _: None)
    wait(scheduler.tick())
    scheduler.shutdown()
    [job] = store.list_jobs()
    assert job["status"] == "succeeded"
    assert "the job runs as 3 partitions" in "\n".join(job["trace"])
    assert len(list(csv.DictReader(io.StringIO((tmp_path / "out" / "out.csv").read_text())))) == 90
