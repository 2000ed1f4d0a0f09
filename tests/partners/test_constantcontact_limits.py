"""Constant Contact's import limits: 40,000 contacts and a body under 4 MB. The writer sends up to 40,000 contacts a
job, so large contacts must be spread over several activities, and a contact too large for any body is refused
alone down the error path, not sent to be dropped or to fail the job."""

from __future__ import annotations

import uuid
from pathlib import Path

from dataflow.testing import build_component, drive
from sandbox.constantcontact.server import MAX_IMPORT_BYTES
from steps.constantcontact.write import PAYLOAD_LIMIT, chunks
from tests.partners import stand_ins

WRITER = "datasource.write.constantcontact"


def test_the_stand_in_refuses_an_import_body_of_4_mb() -> None:
    sandbox = stand_ins.stand_in("constantcontact")
    session = stand_ins.constantcontact_session(sandbox)
    item = {"email": f"big-{uuid.uuid4().hex[:8]}@example.org", "cf:custom_field_1": "x" * MAX_IMPORT_BYTES}
    answer = session.post(
        f"{sandbox.url}/v3/activities/contacts_json_import",
        json={"import_data": [item], "list_ids": [sandbox.list_id]},
        timeout=30,
    )
    assert answer.status_code == 400
    assert "less than 4,000,000 bytes" in answer.json()[0]["error_message"]


def test_large_contacts_go_in_several_activities_each_under_4_mb(tmp_path: Path) -> None:
    sandbox = stand_ins.stand_in("constantcontact")
    tag = uuid.uuid4().hex[:8]
    records = [{"Email": f"wide{i}-{tag}@example.org", "Custom Field 1": f"{i:04d}" + "x" * 20_000} for i in range(250)]
    records.insert(100, {"Email": f"huge-{tag}@example.org", "Custom Field 1": "y" * PAYLOAD_LIMIT})
    imports_before = {key for key, activity in sandbox.activities.items() if activity.kind == "import"}

    writer = build_component(WRITER, stand_ins.connection("constantcontact", WRITER), tmp_path)
    emitted, rejected = drive(writer, [records[:120], records[120:]])

    imports = [a for key, a in sandbox.activities.items() if a.kind == "import" and key not in imports_before]
    assert len(imports) == 2  # 250 x 20 KB = 5 MB: two bodies under 4 MB, one job of 251 records
    assert sum(len(a.payload["import_data"]) for a in imports) == 250
    assert [(record["Email"], reason) for record, reason, _ in rejected] == [
        (f"huge-{tag}@example.org", "the contact takes more than Constant Contact's 4,000,000 bytes")
    ]
    assert [record["Email"] for record in emitted] == [r["Email"] for r in records if not r["Email"].startswith("huge")]
    stored = {c["email_address"]["address"]: c for c in sandbox.contacts() if tag in c["email_address"]["address"]}
    assert len(stored) == 250 and all(sandbox.list_id in c["list_memberships"] for c in stored.values())
    assert stored[f"wide7-{tag}@example.org"]["custom_fields"][0]["value"].startswith("0007x")


def test_chunks_keep_every_run_under_the_room_and_in_order() -> None:
    sizes = [40, 30, 30, 90, 10, 10]
    runs = list(chunks(sizes, 100))
    assert runs == [(0, 2), (2, 3), (3, 4), (4, 6)]
    assert all(sum(sizes[start:stop]) < 100 for start, stop in runs)
    assert list(chunks([], 100)) == []
    assert list(chunks([150, 5], 100)) == [(0, 1), (1, 2)]  # an oversized item alone; callers keep those out
