"""``datasource.write.silverpop.table``: API or import by volume, refused rows, the email rule, the 10-call cap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dataflow.runtime.runner import Runner, RunOptions
from dataflow.testing import TESTING_COMPONENTS, drive
from dataflow.validation import validate_text
from sandbox.silverpop import FaultConfig, SilverpopSandbox
from steps.silverpop.table_rows import RESERVED_REASON
from tests.silverpop.conftest import REGISTRY, SandboxFactory, build, connection

LIKES = [
    {"sourceField": "UID", "targetField": "GigyaUid"},
    {"sourceField": "id", "targetField": "LikeId"},
    {"sourceField": "name", "targetField": "Name"},
    {"sourceField": "category", "targetField": "Category"},
    {"sourceField": "time", "targetField": "CreatedTime"},
]


def likes(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"UID": f"u{i % 7}", "id": str(1000 + i), "name": f"Like {i}", "category": "Movie", "time": 1714557600000 + i}
        for i in range(start, start + count)
    ]


def table_writer(sandbox: SilverpopSandbox, work: Path, **params: Any) -> Any:
    base = {**connection(sandbox), "tableId": sandbox.tables["Likes"], "fieldMapping": LIKES, "apiMaxRows": 5}
    return build("datasource.write.silverpop.table", {**base, **params}, work)


def expected_rows(records: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows = [
        {
            "GigyaUid": r["UID"],
            "LikeId": r["id"],
            "Name": r["name"],
            "Category": r["category"],
            "CreatedTime": f"05/01/2024 10:00:{(r['time'] - 1714557600000) // 1000:02d}",
        }
        for r in records
    ]
    return sorted(rows, key=lambda row: (row["GigyaUid"], row["LikeId"]))


@pytest.mark.parametrize(("count", "method"), [(4, "api"), (12, "import")])
def test_few_rows_go_through_the_api_and_many_through_an_import(
    sp: SilverpopSandbox, tmp_path: Path, count: int, method: str
) -> None:
    records = likes(count)
    step = table_writer(sp, tmp_path / "w")
    emitted, rejected = drive(step, [records[:3], records[3:]])
    assert step.method_used == method
    assert emitted == records and rejected == []
    assert step.counters.as_dict() == {"in": count, "out": count, "errors": 0, "filtered": 0, "added": 0}
    assert sp.rows("Likes") == expected_rows(records)
    kinds = [job["kind"] for job in sp.jobs()]
    assert kinds == ([] if method == "api" else ["IMPORT_TABLE"])


@pytest.mark.parametrize("method", ["api", "import"])
def test_refused_rows_go_down_the_error_path_as_they_came(sp: SilverpopSandbox, tmp_path: Path, method: str) -> None:
    records = likes(4)
    records[1]["time"] = "yesterday"
    records[2]["UID"] = ""
    step = table_writer(sp, tmp_path / "w", method=method)
    emitted, rejected = drive(step, [records])
    assert emitted == [records[0], records[3]]
    assert [(item, reason) for item, reason, _ in rejected] == [
        (records[1], "Invalid Date Value in column: CreatedTime"),
        (records[2], "Missing key column value: GigyaUid, LikeId"),
    ]
    assert step.counters.as_dict() == {"in": 4, "out": 2, "errors": 2, "filtered": 0, "added": 0}
    assert sp.rows("Likes") == expected_rows([records[0], records[3]])


def test_updates_match_on_the_key_and_the_table_is_joined_to_the_database(sp: SilverpopSandbox, tmp_path: Path) -> None:
    drive(table_writer(sp, tmp_path / "a"), [likes(3)])
    changed = likes(3)
    changed[0]["name"] = "Renamed"
    master = sp.lists["Gigya Master"]
    drive(table_writer(sp, tmp_path / "b", joinListId=master), [changed + likes(2, start=3)])
    rows = sp.rows("Likes")
    assert len(rows) == 5 and rows == expected_rows(changed + likes(2, start=3))
    assert sp.joins("Likes") == {master: [("GigyaUid", "GigyaUid")]}


@pytest.mark.parametrize("name", ["email", "Email", " EMAIL "])
def test_a_column_named_email_fails_validation_with_the_reason(sp: SilverpopSandbox, name: str) -> None:
    mapping = [*LIKES[:2], {"sourceField": "profile.email", "targetField": name}]
    flow = {
        "name": "email into a table",
        "steps": [
            {"id": "records", "type": "testing.records", "params": {"records": []}, "next": ["likes"]},
            {
                "id": "likes",
                "type": "datasource.write.silverpop.table",
                "params": {**connection(sp), "tableId": sp.tables["Likes"], "fieldMapping": mapping},
            },
        ],
    }
    validated = validate_text(json.dumps(flow), "f.json", registry=REGISTRY.extended(TESTING_COMPONENTS))
    assert not validated.ok
    [problem] = validated.diagnostics
    assert problem.message == f"column '{name}': {RESERVED_REASON}"
    assert problem.pointer == "/steps/1/params/fieldMapping/2/targetField" and problem.step_id == "likes"


def test_the_api_needs_no_sftp_host_key_and_stays_within_ten_calls(sp_factory: SandboxFactory, tmp_path: Path) -> None:
    sandbox = sp_factory(latency_s=0.02)
    params = {**connection(sandbox), "tableId": sandbox.tables["Likes"], "fieldMapping": LIKES}
    for name in ("hostKeyFingerprint", "host", "port"):
        params.pop(name)
    flow = {
        "name": "api only",
        "steps": [
            {"id": "records", "type": "testing.records", "params": {"records": likes(60)}, "next": ["likes"]},
            {
                "id": "likes",
                "type": "datasource.write.silverpop.table",
                "params": {**params, "method": "api", "rowsPerCall": 2, "maxConcurrency": 10},
            },
        ],
    }
    validated = validate_text(json.dumps(flow), "f.json", registry=REGISTRY.extended(TESTING_COMPONENTS))
    assert validated.ok, [d.format() for d in validated.diagnostics]
    runner = Runner(validated, RunOptions(work_root=tmp_path))
    status = runner.run()
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert len(sandbox.rows("Likes")) == 60
    assert runner.components["likes"].client.org.gate.peak == 10  # the org's gate, shared by every client


def test_api_rows_survive_token_expiry_and_server_errors(sp_factory: SandboxFactory, tmp_path: Path) -> None:
    sandbox = sp_factory(FaultConfig(server_error_rate=0.2, token_expiry_rate=0.1, seed=11))
    records = likes(300)
    step = table_writer(sandbox, tmp_path / "w", method="api", rowsPerCall=10)
    emitted, rejected = drive(step, [records[:150], records[150:]])
    assert len(emitted) == 300 and rejected == []
    assert sandbox.rows("Likes") == expected_rows(records)
    assert sandbox.fault_counts["server_error"] > 0 and sandbox.fault_counts["token_expiry"] > 0


def test_rows_beyond_the_relational_row_limit_are_refused_with_the_reason(
    sp_factory: SandboxFactory, tmp_path: Path
) -> None:
    """The org-wide cap (10M on Acoustic; 8 here) refuses the rows beyond it; they go down the error path."""
    sandbox = sp_factory(max_relational_rows=8)
    records = likes(10)
    emitted, rejected = drive(table_writer(sandbox, tmp_path / "w", method="api"), [records])
    assert emitted == records[:8]
    assert [(item, reason) for item, reason, _ in rejected] == [
        (record, "Relational table row limit of 8 rows reached") for record in records[8:]
    ]
    assert len(sandbox.rows("Likes")) == 8
