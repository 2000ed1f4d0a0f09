"""Streaming semantics: fan-out, fan-in, error paths, counters, limits, failures."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import ClassVar

from tests.helpers import COLLECTED, Collect, assert_reconciled, registry, run_flow, step


def _records(count: int, **marks: set[int]) -> list[dict]:
    records = []
    for n in range(count):
        record: dict = {"n": n, "profile": {"email": f"u{n}@example.com"}}
        for mark, which in marks.items():
            if n in which:
                record[mark] = True
        records.append(record)
    return records


def flow(*steps: dict) -> dict:
    return {"name": "test", "steps": list(steps)}


def test_fan_out_gives_each_branch_its_own_copy(tmp_path: Path) -> None:
    status = run_flow(
        flow(
            step("src", "test.source", {"records": _records(5)}, next=["left", "right"]),
            step("left", "test.flag", {"tag": "L"}, next=["sinkL"]),
            step("right", "test.flag", {"tag": "R"}, next=["sinkR"]),
            step("sinkL", "test.collect", {"name": "L"}),
            step("sinkR", "test.collect", {"name": "R"}),
        ),
        tmp_path,
    )
    assert status["status"] == "succeeded"
    assert [r["tags"] for r in COLLECTED["L"]] == [["L"]] * 5
    assert [r["tags"] for r in COLLECTED["R"]] == [["R"]] * 5
    assert [r["n"] for r in COLLECTED["L"]] == list(range(5))
    assert_reconciled(status)


def test_fan_in_is_the_union_of_upstream_streams(tmp_path: Path) -> None:
    status = run_flow(
        flow(
            step("one", "test.source", {"records": _records(3)}, next=["tagA"]),
            step("two", "test.source", {"records": _records(4)}, next=["tagB"]),
            step("tagA", "test.flag", {"tag": "A"}, next=["sink"]),
            step("tagB", "test.flag", {"tag": "B"}, next=["sink"]),
            step("sink", "test.collect", {"name": "all"}),
        ),
        tmp_path,
    )
    assert status["status"] == "succeeded"
    tags = sorted(r["tags"][0] for r in COLLECTED["all"])
    assert tags == ["A"] * 3 + ["B"] * 4
    assert status["counters"]["sink"]["in"] == 7
    assert status["totalRecords"] == 7
    assert_reconciled(status)


def test_failed_records_go_down_the_error_path_with_details(tmp_path: Path) -> None:
    status = run_flow(
        flow(
            step("src", "test.source", {"records": _records(6, fail={1, 4})}, next=["check"]),
            step("check", "test.flag", next=["good"], error=["bad"]),
            step("good", "test.collect", {"name": "good"}),
            step("bad", "test.collect", {"name": "bad"}),
        ),
        tmp_path,
    )
    assert status["status"] == "succeeded"
    assert [r["n"] for r in COLLECTED["good"]] == [0, 2, 3, 5]
    assert [r["n"] for r in COLLECTED["bad"]] == [1, 4]
    details = COLLECTED["bad"][0]["_errorDetails"]
    assert details == {"errorMessage": "record 1 is marked to fail", "stepId": "check", "code": 42}
    assert status["counters"]["check"] == {"in": 6, "out": 4, "errors": 2, "filtered": 0, "added": 0}
    assert status["errorFile"] is None
    assert status["failedRecords"] == 0
    assert_reconciled(status)


def test_failed_records_without_error_path_land_in_the_error_file(tmp_path: Path) -> None:
    status = run_flow(
        flow(
            step("src", "test.source", {"records": _records(5, fail={0, 3})}, next=["check"]),
            step("check", "test.flag", next=["good"]),
            step("good", "test.collect", {"name": "good"}),
        ),
        tmp_path,
    )
    assert status["status"] == "succeeded"
    lines = [json.loads(line) for line in Path(status["errorFile"]).read_text().splitlines()]
    assert [line["record"]["n"] for line in lines] == [0, 3]
    assert {line["stepId"] for line in lines} == {"check"}
    assert lines[0]["errorMessage"] == "record 0 is marked to fail"
    assert status["failedRecords"] == 2
    assert (status["totalRecords"], status["processedRecords"]) == (5, 3)
    assert any("record failed: record 0 is marked to fail" in line for line in status["trace"])
    assert_reconciled(status)


def test_filtered_and_added_records_are_counted(tmp_path: Path) -> None:
    records = _records(4, drop={1})
    records[2]["dup"] = 3
    status = run_flow(
        flow(
            step("src", "test.source", {"records": records, "batchSize": 10}, next=["f"]),
            step("f", "test.flag", next=["sink"]),
            step("sink", "test.collect", {"name": "out"}),
        ),
        tmp_path,
    )
    counts = status["counters"]["f"]
    assert counts == {"in": 4, "out": 5, "errors": 0, "filtered": 0, "added": 1}
    assert len(COLLECTED["out"]) == 5
    assert_reconciled(status)


def test_filtered_counts_when_a_batch_only_drops(tmp_path: Path) -> None:
    status = run_flow(
        flow(
            step("src", "test.source", {"records": _records(4, drop={0, 2})}, next=["f"]),
            step("f", "test.flag", next=["sink"]),
            step("sink", "test.collect", {"name": "out"}),
        ),
        tmp_path,
    )
    assert status["counters"]["f"]["filtered"] == 2
    assert_reconciled(status)


def test_limit_stops_reading(tmp_path: Path) -> None:
    status = run_flow(
        flow(
            step("src", "test.source", {"records": _records(25), "batchSize": 4}, next=["sink"]),
            step("sink", "test.collect", {"name": "out"}),
        ),
        tmp_path,
        limit=10,
    )
    assert status["status"] == "succeeded"
    assert len(COLLECTED["out"]) == 10
    assert status["counters"]["src"]["out"] == 10
    assert status["limit"] == 10


def test_an_exception_fails_the_job_naming_the_step(tmp_path: Path) -> None:
    status = run_flow(
        flow(
            step("src", "test.source", {"records": _records(3)}, next=["bang"]),
            step("bang", "test.explode"),
        ),
        tmp_path,
    )
    assert status["status"] == "failed"
    assert status["errorMessage"] == "step 'bang' (test.explode) failed: boom"
    assert "ValueError: boom" in status["errorDetails"]
    assert status["trace"][-2].endswith("step 'bang' (test.explode) failed: boom")


def test_status_has_the_idx_job_status_shape(tmp_path: Path) -> None:
    status = run_flow(
        flow(
            step("src", "test.source", {"records": _records(1)}, next=["sink"]),
            step("sink", "test.collect", {"name": "x"}),
        ),
        tmp_path,
        attempt_number=2,
    )
    for key in (
        "id",
        "dataflowId",
        "dataflowName",
        "status",
        "startTime",
        "endTime",
        "attemptNumber",
        "counters",
        "trace",
    ):
        assert key in status
    assert len(status["id"]) == 32 and len(status["dataflowId"]) == 32
    assert status["dataflowName"] == "test"
    assert status["attemptNumber"] == 2
    assert status["startTime"].endswith("Z") and status["startTime"] <= status["endTime"]
    saved = json.loads((Path(status["workDir"]) / "status.json").read_text())
    assert saved["id"] == status["id"]


def test_debug_level_traces_three_records_per_edge(tmp_path: Path) -> None:
    status = run_flow(
        flow(
            step("src", "test.source", {"records": _records(10), "batchSize": 10}, next=["f"]),
            step("f", "test.flag", next=["sink"]),
            step("sink", "test.collect", {"name": "out"}),
        ),
        tmp_path,
        log_level="debug",
    )
    src_to_f = [line for line in status["trace"] if "src → f:" in line]
    f_to_sink = [line for line in status["trace"] if "f → sink:" in line]
    assert len(src_to_f) == 3 and len(f_to_sink) == 3
    assert '"n":0' in src_to_f[0]


def test_error_level_keeps_only_errors(tmp_path: Path) -> None:
    status = run_flow(
        flow(
            step("src", "test.source", {"records": _records(3, fail={2})}, next=["f"]),
            step("f", "test.flag"),
        ),
        tmp_path,
        log_level="error",
    )
    assert status["trace"] and all(" ERROR " in line for line in status["trace"])


def test_secrets_never_reach_trace_status_or_error_file(tmp_path: Path) -> None:
    secret = "s3cr3t-value-123"
    records = _records(2, fail={0})
    records[0]["note"] = f"password is {secret}"
    status = run_flow(
        flow(
            step("src", "test.source", {"records": records}, next=["f"]),
            step("f", "test.flag"),
        ),
        tmp_path,
        environ={"GIGYA_SECRET": secret},
        log_level="debug",
    )
    text = json.dumps(status) + Path(status["errorFile"]).read_text()
    assert secret not in text
    assert "********" in text


def test_a_killed_job_stops_between_batches(tmp_path: Path) -> None:
    stop = threading.Event()

    class KillAfterFirstBatch(Collect):
        def process_batch(self, items: list) -> list:
            stop.set()
            return super().process_batch(items)

    status = run_flow(
        flow(
            step("src", "test.source", {"records": _records(10), "batchSize": 2}, next=["sink"]),
            step("sink", "test.collect", {"name": "out"}),
        ),
        tmp_path,
        components=registry().extended({"test.collect": KillAfterFirstBatch}),
        cancel_event=stop,
    )
    assert status["status"] == "killed"
    assert len(COLLECTED["out"]) == 2
    assert status["errorMessage"] == "the job was killed"


def test_a_secret_param_from_the_environment_is_masked_too(tmp_path: Path) -> None:
    from dataflow.component import RecordStep
    from dataflow.errors import RecordError

    class Login(RecordStep):
        type: ClassVar[str] = "test.login"
        params_schema: ClassVar[dict] = {
            "type": "object",
            "properties": {"password": {"type": "string", "writeOnly": True}},
        }

        def process(self, record: dict) -> dict:
            raise RecordError(f"login refused with {self.params['password']}")

    status = run_flow(
        flow(
            step("src", "test.source", {"records": _records(1)}, next=["login"]),
            step("login", "test.login", {"password": "${env:SP_PASS}"}),
        ),
        tmp_path,
        components=registry().extended({"test.login": Login}),
        environ={"SP_PASS": "correct-horse-battery"},
    )
    text = json.dumps(status) + Path(status["errorFile"]).read_text()
    assert "correct-horse-battery" not in text
    assert "login refused with ********" in text
