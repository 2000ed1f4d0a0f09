"""file.empty: one empty marker file at the end of the stream, and after the data in the templates' shape."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from dataflow.component import FileStep
from dataflow.files import FileRef
from dataflow.testing import build_component, drive
from tests.helpers import assert_reconciled, registry, run_flow, step

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
ARRIVED: list[tuple[str, int]] = []


class FileSink(FileStep):
    """Notes each file's name and size in the order files reach it."""

    type: ClassVar[str] = "test.files"
    params_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False, "properties": {}}

    def process_file(self, file: FileRef) -> FileRef:
        ARRIVED.append((file.name, file.size))
        return file


def test_marker_is_one_empty_file_whatever_came_in(tmp_path: Path) -> None:
    component = build_component("file.empty", {"fileName": "gigya.ok"}, tmp_path / "work")
    files, rejected = drive(component, [[{"UID": "u1"}, {"UID": "u2"}], [{"UID": "u3"}]])
    assert rejected == []
    assert [(f.name, f.size, f.path.read_bytes()) for f in files] == [("gigya.ok", 0, b"")]
    counters = component.counters
    assert (counters.in_, counters.out, counters.filtered, counters.files_out) == (3, 0, 3, 1)
    assert counters.reconciles()


def test_marker_without_input_and_with_placeholders(tmp_path: Path) -> None:
    component = build_component("file.empty", {"fileName": "done_${now:yyyyMMdd}.ok"}, tmp_path / "work", now=NOW)
    files, _ = drive(component, [[]])
    assert [(f.name, f.size) for f in files] == [("done_20260304.ok", 0)]
    component = build_component("file.empty", {"fileName": "done.ok"}, tmp_path / "work")
    assert [f.name for f in drive(component, [])[0]] == ["done.ok"]


def test_templates_shape_marker_reaches_the_writer_after_the_data(tmp_path: Path) -> None:
    """exportToSFTP-epsilon: replace → [json, empty] → sftp. The partner polls for the marker, so it comes last."""
    ARRIVED.clear()
    records = [{"UID": f"u{n}", "text": "x" * 300} for n in range(40)]
    flow = {
        "name": "marker",
        "steps": [
            step("source", "test.source", {"records": records, "batchSize": 7}, next=["json", "empty"]),
            step("json", "file.format.json", {"fileName": "gigya.json", "maxFileSize": 0.005}, next=["sink"]),
            step("empty", "file.empty", {"fileName": "gigya.ok"}, next=["sink"]),
            step("sink", "test.files"),
        ],
    }
    status = run_flow(flow, tmp_path, components=registry().extended({"test.files": FileSink}))
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert_reconciled(status)
    names = [name for name, _ in ARRIVED]
    assert names[-1] == "gigya.ok" and names.count("gigya.ok") == 1
    assert names[:3] == ["gigya.json", "gigya_1.json", "gigya_2.json"]
    assert ARRIVED[-1][1] == 0 and all(size > 0 for _, size in ARRIVED[:-1])
