"""``datasource.write.silverpop`` against the sandbox: ImportList upserts, rejected rows, phones, job failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dataflow.files import FileRef
from dataflow.runtime.runner import Runner, RunOptions
from dataflow.testing import CAPTURED, TESTING_COMPONENTS, drive
from dataflow.validation import validate_text
from sandbox.silverpop import FaultConfig, SilverpopSandbox
from steps.silverpop.errors import JobFailed
from tests.silverpop.conftest import REGISTRY, SandboxFactory, build, connection, run_document, write_csv

HEADER = ["GigyaUid", "EMAIL", "FirstName", "Subscribed", "NewsletterWeekly", "MobilePhone", "LastUpdated"]


def writer(sandbox: SilverpopSandbox, work: Path, **params: Any) -> Any:
    base = {**connection(sandbox), "listId": sandbox.lists["Gigya Master"], "newsletterField": "NewsletterWeekly"}
    merged = {name: value for name, value in {**base, **params}.items() if value is not None}
    return build("datasource.write.silverpop", merged, work)


def contacts(sandbox: SilverpopSandbox) -> dict[str, dict[str, str]]:
    return {c["fields"]["GigyaUid"]: c["fields"] for c in sandbox.contacts("Gigya Master")}


def test_adds_and_updates_contacts_keyed_by_the_uid(sp: SilverpopSandbox, tmp_path: Path) -> None:
    first = write_csv(
        tmp_path / "a.csv",
        [
            HEADER,
            ["u1", "ann@example.com", "Ann", "true", "false", "+49 151 1234567", "1714557600000"],
            ["u2", "ben@example.com", "Ben", "false", "true", "", "2024-05-01T10:00:00.000Z"],
        ],
    )
    step = writer(sp, tmp_path / "w1", syncPhoneNumbers=True)
    emitted, rejected = drive(step, [[FileRef.of(first)]])
    assert [f.name for f in emitted] == ["a.csv"] and rejected == []
    second = write_csv(
        tmp_path / "b.csv", [HEADER[:3], ["u2", "ben@example.org", "Benjamin"], ["u3", "cy@x.com", "Cy"]]
    )
    step = writer(sp, tmp_path / "w2", newsletterField=None)
    drive(step, [[FileRef.of(second)]])
    found = contacts(sp)
    assert set(found) == {"u1", "u2", "u3"}
    assert found["u1"]["Subscribed"] == "Yes" and found["u1"]["NewsletterWeekly"] == "No"
    assert found["u1"]["MobilePhone"] == "+49 151 1234567"
    assert found["u1"]["LastUpdated"] == "05/01/2024 10:00:00"  # epoch ms and ISO-8601 both go out in GMT
    assert found["u2"]["LastUpdated"] == "05/01/2024 10:00:00"
    assert (found["u2"]["EMAIL"], found["u2"]["FirstName"], found["u2"]["NewsletterWeekly"]) == (
        "ben@example.org",
        "Benjamin",
        "Yes",  # not in the second file: left as it was
    )
    assert step.counters.as_dict(True) == {
        "in": 2, "out": 2, "errors": 0, "filtered": 0, "added": 0, "filesIn": 1, "filesOut": 1
    }  # fmt: skip
    assert not any(sp.upload_dir.iterdir()) and sp.download_files() == []  # uploads and results cleaned up


def test_rejected_rows_go_down_the_error_path_with_silverpops_reason(sp: SilverpopSandbox, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "contacts.csv",
        [
            HEADER[:5],
            ["u1", "ann@example.com", "Ann", "true", "true"],
            ["u2", "not-an-address", "Ben", "false", "true"],
            ["u3", "cy@example.com", "Cy", "maybe", "false"],
            ["u4", "di@example.com", "Di", "true", "false"],
            ["u4", "di2@example.com", "Di", "true", "false"],
        ],
    )
    flow = {
        "name": "rejects",
        "steps": [
            {"id": "files", "type": "testing.files", "params": {"paths": [str(path)]}, "next": ["silverpop"]},
            {
                "id": "silverpop",
                "type": "datasource.write.silverpop",
                "params": {**connection(sp), "listId": sp.lists["Gigya Master"], "newsletterField": "NewsletterWeekly"},
                "error": ["rejects"],
            },
            {"id": "rejects", "type": "testing.capture.records"},
        ],
    }
    CAPTURED.clear()
    validated = validate_text(json.dumps(flow), "f.json", registry=REGISTRY.extended(TESTING_COMPONENTS))
    status = Runner(validated, RunOptions(work_root=tmp_path / "jobs")).run()
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert status["counters"]["silverpop"] == {
        "in": 5, "out": 2, "errors": 3, "filtered": 0, "added": 0, "filesIn": 1, "filesOut": 1
    }  # fmt: skip
    failed = {(r["GigyaUid"], r["EMAIL"]): r["_errorDetails"] for r in CAPTURED["rejects"]}
    assert failed[("u2", "not-an-address")]["errorMessage"] == "Invalid Email Value in column: EMAIL"
    assert failed[("u3", "cy@example.com")]["errorMessage"] == "Invalid Yes/No Value in column: Subscribed"
    assert failed[("u4", "di2@example.com")]["errorMessage"] == "Duplicate key in the source file"
    assert failed[("u2", "not-an-address")]["line"] == 3 and failed[("u2", "not-an-address")]["stepId"] == "silverpop"
    row = next(r for r in CAPTURED["rejects"] if r["GigyaUid"] == "u3")
    assert {k: v for k, v in row.items() if k != "_errorDetails"} == dict(
        zip(HEADER[:5], ["u3", "cy@example.com", "Cy", "maybe", "false"], strict=True)
    )
    assert set(contacts(sp)) == {"u1", "u4"}
    assert contacts(sp)["u4"]["EMAIL"] == "di@example.com"


def test_phone_numbers_are_left_alone_unless_enabled(sp: SilverpopSandbox, tmp_path: Path) -> None:
    header = ["GigyaUid", "EMAIL", "MobilePhone"]
    drive(
        writer(sp, tmp_path / "a", syncPhoneNumbers=True),
        [[FileRef.of(write_csv(tmp_path / "a.csv", [header, ["u1", "a@x.com", "+1 555 0100"]]))]],
    )
    drive(
        writer(sp, tmp_path / "b"),
        [[FileRef.of(write_csv(tmp_path / "b.csv", [header, ["u1", "a@x.com", "+1 555 0199"]]))]],
    )
    assert contacts(sp)["u1"]["MobilePhone"] == "+1 555 0100"


def test_unknown_columns_fail_before_anything_is_sent(sp: SilverpopSandbox, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["GigyaUid", "EMAIL", "Shoe Size"], ["u1", "a@x.com", "44"]])
    with pytest.raises(Exception, match="Shoe Size"):
        drive(writer(sp, tmp_path / "a", newsletterField=None), [[FileRef.of(path)]])
    assert sp.jobs() == [] and not any(sp.upload_dir.iterdir())
    drive(writer(sp, tmp_path / "b", newsletterField=None, ignoreUnknownColumns=True), [[FileRef.of(path)]])
    assert set(contacts(sp)) == {"u1"}


def test_user_and_password_sftp_and_pipe_separated_input(sp: SilverpopSandbox, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("GigyaUid|EMAIL|Subscribed\nu9|nine@example.com|1\n", encoding="utf-8")
    step = build(
        "datasource.write.silverpop",
        {**connection(sp, oauth=False), "listId": str(sp.lists["Gigya Master"]), "newsletterField": "Subscribed"},
        tmp_path / "w",
    )
    drive(step, [[FileRef.of(path)]])
    assert contacts(sp)["u9"]["Subscribed"] == "Yes"


def test_an_sftp_login_with_a_revoked_token_is_retried_with_a_fresh_one(sp: SilverpopSandbox, tmp_path: Path) -> None:
    step = writer(sp, tmp_path / "w", newsletterField=None)
    for name, uid in (("one.csv", "u1"), ("two.csv", "u2")):
        path = write_csv(tmp_path / name, [["GigyaUid", "EMAIL"], [uid, f"{uid}@example.com"]])
        list(step.feed([FileRef.of(path)]))
        sp.expire_tokens()  # the token the SFTP login used dies
        step.files.close()  # and the next file needs a new SFTP connection
    step.close()
    assert set(contacts(sp)) == {"u1", "u2"}
    assert step.counters.out == 2
    lines = step.context.job.trace.lines
    assert any("SFTP refused the access token; retrying with a fresh one" in line for line in lines)


def test_a_failed_import_job_is_submitted_again_then_fails_with_the_reason(
    sp_factory: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = sp_factory(FaultConfig(job_error_rate=1.0))
    path = write_csv(tmp_path / "x.csv", [["GigyaUid", "EMAIL"], ["u1", "a@x.com"]])
    with pytest.raises(JobFailed, match="injected"):
        drive(writer(sandbox, tmp_path / "w", newsletterField=None, jobRetries=1), [[FileRef.of(path)]])
    assert [job["status"] for job in sandbox.jobs()] == ["ERROR", "ERROR"]


def test_an_empty_file_imports_nothing(sp: SilverpopSandbox, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = write_csv(tmp_path / "header.csv", [["GigyaUid", "EMAIL"]])
    step = writer(sp, tmp_path / "w", newsletterField=None)
    emitted, rejected = drive(step, [[FileRef.of(empty), FileRef.of(header_only)]])
    assert len(emitted) == 2 and rejected == [] and sp.jobs() == []


def test_params_are_checked_when_the_flow_is_validated(sp: SilverpopSandbox, tmp_path: Path) -> None:
    params = {**connection(sp), "listId": "my list"}
    del params["apiUrl"], params["hostKeyFingerprint"]
    flow = {
        "name": "bad",
        "steps": [
            {"id": "files", "type": "testing.files", "params": {"paths": ["x.csv"]}, "next": ["silverpop"]},
            {"id": "silverpop", "type": "datasource.write.silverpop", "params": params},
        ],
    }
    validated = validate_text(json.dumps(flow), "f.json", registry=REGISTRY.extended(TESTING_COMPONENTS))
    messages = " | ".join(d.message for d in validated.diagnostics)
    assert "listId must be a Silverpop id" in messages
    assert "set podNumber" in messages
    assert "no host key configured" in messages
    status, _ = run_document({"name": "empty", "steps": []}, tmp_path)
    assert status["status"] == "succeeded"
