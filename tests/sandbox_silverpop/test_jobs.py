"""Import and export jobs: SFTP upload -> ImportList/ImportTable -> GetJobStatus -> results in download/."""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime

import asyncssh

from sandbox.silverpop import ManualClock, SilverpopConfig, SilverpopSandbox
from tests.sandbox_silverpop.client import XmlClient, columns, get_bytes, put_bytes, sftp

LIST_MAP = """<LIST_IMPORT>
 <LIST_INFO><ACTION>{action}</ACTION><LIST_ID>{list_id}</LIST_ID><FILE_TYPE>0</FILE_TYPE><HASHEADERS>true</HASHEADERS></LIST_INFO>
 <MAPPING>
  <COLUMN><INDEX>1</INDEX><NAME>GigyaUid</NAME><INCLUDE>true</INCLUDE></COLUMN>
  <COLUMN><INDEX>2</INDEX><NAME>EMAIL</NAME><INCLUDE>true</INCLUDE></COLUMN>
  <COLUMN><INDEX>3</INDEX><NAME>Subscribed</NAME><INCLUDE>true</INCLUDE></COLUMN>
  <COLUMN><INDEX>4</INDEX><NAME>BirthDate</NAME><INCLUDE>true</INCLUDE></COLUMN>
  <COLUMN><INDEX>5</INDEX><NAME>Ignored</NAME><INCLUDE>false</INCLUDE></COLUMN>
 </MAPPING>
</LIST_IMPORT>"""

SOURCE = (
    "uid,email,subscribed,birth,junk\n"
    "imp-1,one@example.com,Yes,01/02/1990,x\n"
    "imp-2,two@example.com,No,,x\n"
    "imp-3,not-an-address,Yes,,x\n"
    "imp-4,four@example.com,Yes,1990-01-02,x\n"
    "imp-1,dup@example.com,Yes,,x\n"
    ",nokey@example.com,Yes,,x\n"
    "imp-5,five@example.com\n"
)


def _upload(sandbox: SilverpopSandbox, files: dict[str, bytes]) -> None:
    """Upload as a real client would: SFTP, user ``oauth``, a fresh access token as the password."""

    async def action(client: asyncssh.SFTPClient) -> None:
        for name, data in files.items():
            await put_bytes(client, f"upload/{name}", data)

    sftp(sandbox, "oauth", sandbox.issue_token(), action)


def _download(sandbox: SilverpopSandbox, name: str) -> bytes:
    async def action(client: asyncssh.SFTPClient) -> bytes:
        return await get_bytes(client, f"download/{name}")

    return sftp(sandbox, "oauth", sandbox.issue_token(), action)


def _import_list(client: XmlClient, action: str = "ADD_AND_UPDATE", source: str = SOURCE) -> str:
    master = client.sandbox.lists["Gigya Master"]
    _upload(
        client.sandbox,
        {"contacts.csv": source.encode(), "contacts.xml": LIST_MAP.format(action=action, list_id=master).encode()},
    )
    result = client.ok("ImportList", "<MAP_FILE>contacts.xml</MAP_FILE><SOURCE_FILE>contacts.csv</SOURCE_FILE>")
    return result.findtext("JOB_ID") or ""


def test_import_list_round_trip(sp_client: XmlClient, silverpop_clock: ManualClock) -> None:
    sandbox = sp_client.sandbox
    master = sandbox.lists["Gigya Master"]
    job_id = _import_list(sp_client)
    status, parameters = sp_client.job_status(job_id)
    assert status == "WAITING"
    assert parameters["RESULTS_FILE_NAME"] == f"{job_id}.res" and parameters["ERROR_FILE_NAME"] == f"{job_id}.err"
    silverpop_clock.advance(10)
    assert sp_client.job_status(job_id)[0] == "RUNNING"
    assert sandbox.contact(master, GigyaUid="imp-1") is None  # nothing before COMPLETE
    assert f"{job_id}.res" not in sandbox.download_files()
    silverpop_clock.advance(10)
    status, parameters = sp_client.job_status(job_id)
    assert status == "COMPLETE"
    assert parameters["LIST_ID"] == str(master) and parameters["LIST_NAME"] == "Gigya Master"
    counts = {
        name: int(parameters[name])
        for name in (
            "TOTAL_ROWS",
            "TOTAL_VALID",
            "SQL_ADDED",
            "SQL_UPDATED",
            "BAD_RECORDS",
            "BAD_ADDRESSES",
            "DUPLICATES",
            "NOT_ALLOWED",
        )
    }
    assert counts == {
        "TOTAL_ROWS": 7,
        "TOTAL_VALID": 2,
        "SQL_ADDED": 2,
        "SQL_UPDATED": 0,
        "BAD_RECORDS": 3,
        "BAD_ADDRESSES": 1,
        "DUPLICATES": 1,
        "NOT_ALLOWED": 0,
    }
    one = sandbox.contact(master, GigyaUid="imp-1")
    assert one is not None and one["fields"]["BirthDate"] == "01/02/1990" and one["createdFrom"] == 0
    assert sandbox.contact(master, GigyaUid="imp-2") is not None
    assert sandbox.contact(master, GigyaUid="imp-4") is None
    result_file = _download(sandbox, f"{job_id}.res").decode()
    assert "JOB_STATUS: COMPLETE" in result_file and "SQL_ADDED: 2" in result_file
    rejected = list(csv.reader(io.StringIO(_download(sandbox, f"{job_id}.err").decode())))
    assert rejected[0] == ["Line", "Error", "uid", "email", "subscribed", "birth", "junk"]
    reasons = {int(row[0]): row[1] for row in rejected[1:]}
    assert reasons[4] == "Invalid Email Value in column: EMAIL"
    assert reasons[5] == "Invalid Date Value in column: BirthDate"
    assert reasons[6] == "Duplicate key in the source file"
    assert reasons[7].startswith("Missing key column value")
    assert reasons[8].startswith("The row has 2 fields")
    assert sandbox.job(job_id)["history"] == ["WAITING", "RUNNING", "COMPLETE"]  # type: ignore[index]


def test_import_updates_without_touching_opt_out(sp_client: XmlClient) -> None:
    master = sp_client.sandbox.lists["Gigya Master"]
    sp_client.ok("AddRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="imp-2", EMAIL="old@example.com"))
    sp_client.ok("OptOutRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="imp-2"))
    job_id = _import_list(sp_client, source="h\nimp-2,two@example.com,Yes,,\n")
    sp_client.sandbox.step_jobs(job_id)
    sp_client.sandbox.step_jobs(job_id)
    status, parameters = sp_client.job_status(job_id)
    assert (status, parameters["SQL_UPDATED"]) == ("COMPLETE", "1")
    contact = sp_client.sandbox.contact(master, GigyaUid="imp-2")
    assert contact is not None and contact["fields"]["EMAIL"] == "two@example.com" and contact["optedOut"] is True


def test_import_actions(sp_client: XmlClient) -> None:
    master = sp_client.sandbox.lists["Gigya Master"]
    sp_client.ok("AddRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="keep", EMAIL="keep@example.com"))
    source = "h\nkeep,changed@example.com,Yes,,\nnew,new@example.com,Yes,,\n"
    outcomes = {}
    for action in ("UPDATE_ONLY", "ADD_ONLY", "OPT_OUT"):
        job_id = _import_list(sp_client, action, source)
        sp_client.sandbox.step_jobs()
        sp_client.sandbox.step_jobs()
        parameters = sp_client.job_status(job_id)[1]
        outcomes[action] = (parameters["SQL_ADDED"], parameters["SQL_UPDATED"], parameters["NOT_ALLOWED"])
    assert outcomes == {"UPDATE_ONLY": ("0", "1", "1"), "ADD_ONLY": ("1", "0", "1"), "OPT_OUT": ("0", "2", "0")}
    keep = sp_client.sandbox.contact(master, GigyaUid="keep")
    assert keep is not None and keep["fields"]["EMAIL"] == "changed@example.com" and keep["optedOut"] is True


def test_import_with_a_broken_map_ends_in_error_and_applies_nothing(sp_client: XmlClient) -> None:
    sandbox = sp_client.sandbox
    broken = LIST_MAP.format(action="ADD_AND_UPDATE", list_id=sandbox.lists["Gigya Master"]).replace(
        "Subscribed", "Nope"
    )
    _upload(sandbox, {"c.csv": SOURCE.encode(), "c.xml": broken.encode()})
    job_id = (
        sp_client.ok("ImportList", "<MAP_FILE>c.xml</MAP_FILE><SOURCE_FILE>c.csv</SOURCE_FILE>").findtext("JOB_ID")
        or ""
    )
    sandbox.step_jobs()
    sandbox.step_jobs()
    assert sp_client.job_status(job_id)[0] == "ERROR"
    assert sandbox.contact(sandbox.lists["Gigya Master"], GigyaUid="imp-1") is None
    assert "Mapped column Nope does not exist" in _download(sandbox, f"{job_id}.err").decode()


def test_import_needs_both_files_in_upload(sp_client: XmlClient) -> None:
    assert sp_client.fault("ImportList", "<MAP_FILE>none.xml</MAP_FILE><SOURCE_FILE>none.csv</SOURCE_FILE>")[0] == 51
    assert sp_client.fault("ImportList", "<MAP_FILE>../x.xml</MAP_FILE><SOURCE_FILE>x.csv</SOURCE_FILE>")[0] == 51
    assert sp_client.sandbox.jobs() == []


def test_import_list_can_create_a_database(sp_client: XmlClient) -> None:
    create = """<LIST_IMPORT>
      <LIST_INFO><ACTION>CREATE</ACTION><LIST_NAME>Fresh</LIST_NAME><FILE_TYPE>2</FILE_TYPE></LIST_INFO>
      <COLUMNS><COLUMN><NAME>EMAIL</NAME><TYPE>9</TYPE><KEY_COLUMN>true</KEY_COLUMN></COLUMN>
       <COLUMN><NAME>Points</NAME><TYPE>2</TYPE></COLUMN></COLUMNS>
      <MAPPING><COLUMN><INDEX>1</INDEX><NAME>EMAIL</NAME></COLUMN><COLUMN><INDEX>2</INDEX><NAME>Points</NAME></COLUMN></MAPPING>
    </LIST_IMPORT>"""
    _upload(sp_client.sandbox, {"f.txt": b"a@example.com|5\nb@example.com|x\n", "f.xml": create.encode()})
    job_id = (
        sp_client.ok("ImportList", "<MAP_FILE>f.xml</MAP_FILE><SOURCE_FILE>f.txt</SOURCE_FILE>").findtext("JOB_ID")
        or ""
    )
    sp_client.sandbox.step_jobs()
    sp_client.sandbox.step_jobs()
    status, parameters = sp_client.job_status(job_id)
    assert (status, parameters["SQL_ADDED"], parameters["BAD_RECORDS"]) == ("COMPLETE", "1", "1")
    fresh = sp_client.sandbox.lists["Fresh"]
    assert [c["fields"]["Points"] for c in sp_client.sandbox.contacts(fresh)] == ["5"]


TABLE_MAP = """<TABLE_IMPORT>
 <TABLE_INFO><ACTION>ADD_AND_UPDATE</ACTION><TABLE_ID>{table_id}</TABLE_ID><FILE_TYPE>1</FILE_TYPE><HASHEADERS>false</HASHEADERS></TABLE_INFO>
 <MAPPING>
  <COLUMN><INDEX>1</INDEX><NAME>GigyaUid</NAME></COLUMN>
  <COLUMN><INDEX>2</INDEX><NAME>SignalName</NAME></COLUMN>
  <COLUMN><INDEX>3</INDEX><NAME>{third}</NAME></COLUMN>
 </MAPPING>
</TABLE_IMPORT>"""


def test_import_table(sp_client: XmlClient) -> None:
    sandbox = sp_client.sandbox
    plan = TABLE_MAP.format(table_id=sandbox.tables["Signals"], third="Timestamp")
    _upload(sandbox, {"s.tsv": b"u1\tlogin\t03/04/2024 05:06:07\nu1\tlogout\tyesterday\n", "s.xml": plan.encode()})
    job_id = (
        sp_client.ok("ImportTable", "<MAP_FILE>s.xml</MAP_FILE><SOURCE_FILE>s.tsv</SOURCE_FILE>").findtext("JOB_ID")
        or ""
    )
    sandbox.step_jobs()
    sandbox.step_jobs()
    status, parameters = sp_client.job_status(job_id)
    assert (status, parameters["SQL_ADDED"], parameters["BAD_RECORDS"]) == ("COMPLETE", "1", "1")
    assert sandbox.rows("Signals") == [
        {"GigyaUid": "u1", "SignalName": "login", "Value": "", "Timestamp": "03/04/2024 05:06:07"}
    ]
    assert "Invalid Date Value in column: Timestamp" in _download(sandbox, f"{job_id}.err").decode()


def test_email_cannot_be_imported_into_a_relational_table(sp_client: XmlClient) -> None:
    sandbox = sp_client.sandbox
    plan = TABLE_MAP.format(table_id=sandbox.tables["Signals"], third="email")
    _upload(sandbox, {"e.tsv": b"u1\tlogin\ta@example.com\n", "e.xml": plan.encode()})
    job_id = (
        sp_client.ok("ImportTable", "<MAP_FILE>e.xml</MAP_FILE><SOURCE_FILE>e.tsv</SOURCE_FILE>").findtext("JOB_ID")
        or ""
    )
    sandbox.step_jobs()
    sandbox.step_jobs()
    assert sp_client.job_status(job_id)[0] == "ERROR"
    assert sandbox.rows("Signals") == []
    assert "email is reserved" in _download(sandbox, f"{job_id}.err").decode()


def test_export_list_appears_in_download_when_complete(sp_client: XmlClient, silverpop_clock: ManualClock) -> None:
    sandbox = sp_client.sandbox
    master = sandbox.lists["Gigya Master"]
    sp_client.ok("AddRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="exp-1", EMAIL="x@example.com"))
    body = (
        f"<LIST_ID>{master}</LIST_ID><EXPORT_TYPE>ALL</EXPORT_TYPE><EXPORT_FORMAT>CSV</EXPORT_FORMAT>"
        "<INCLUDE_RECIPIENT_ID/><LIST_DATE_FORMAT>yyyy-MM-dd</LIST_DATE_FORMAT>"
    )
    result = sp_client.ok("ExportList", body)
    job_id, path = result.findtext("JOB_ID") or "", result.findtext("FILE_PATH") or ""
    assert path == "/download/Gigya Master - All - Nov 14 2023 10-13-20 PM.CSV"
    name = path.removeprefix("/download/")
    assert name not in sandbox.download_files()
    silverpop_clock.advance(20)
    status, parameters = sp_client.job_status(job_id)
    assert status == "COMPLETE" and parameters["FILE_PATH"] == path and parameters["NUM_RECORDS"] == "21"
    rows = list(csv.DictReader(io.StringIO(_download(sandbox, name).decode())))
    assert list(rows[0])[:7] == [
        "RECIPIENT_ID",
        "Email",
        "Opt In Date",
        "Opt In Details",
        "Opted Out",
        "Opted Out Date",
        "Opt Out Details",
    ]
    mine = next(row for row in rows if row["GigyaUid"] == "exp-1")
    assert (mine["Email"], mine["Opted Out"], mine["Opt In Date"]) == ("x@example.com", "F", "2023-11-14")
    opted_out = sp_client.ok(
        "ExportList",
        f"<LIST_ID>{master}</LIST_ID><EXPORT_TYPE>OPT_OUT</EXPORT_TYPE><EXPORT_FORMAT>PIPE</EXPORT_FORMAT>"
        "<EXPORT_COLUMNS><COLUMN>Email</COLUMN><COLUMN>Opted Out</COLUMN></EXPORT_COLUMNS>",
    )
    silverpop_clock.advance(20)
    sp_client.job_status(opted_out.findtext("JOB_ID") or "")
    lines = _download(sandbox, (opted_out.findtext("FILE_PATH") or "").removeprefix("/download/")).decode().splitlines()
    assert lines[0] == "Email|Opted Out" and all(line.endswith("|T") for line in lines[1:]) and len(lines) > 1


def test_export_list_faults(sp_client: XmlClient) -> None:
    master = sp_client.sandbox.lists["Gigya Master"]
    assert sp_client.fault("ExportList", "<LIST_ID>1</LIST_ID><EXPORT_TYPE>ALL</EXPORT_TYPE>")[0] == 108
    assert sp_client.fault("ExportList", f"<LIST_ID>{master}</LIST_ID><EXPORT_TYPE>SOME</EXPORT_TYPE>")[0] == 51
    assert sp_client.fault("ExportList", f"<LIST_ID>{master}</LIST_ID><DATE_START>2020-01-01</DATE_START>")[0] == 51


def test_raw_recipient_data_export_lists_opt_outs(sp_client: XmlClient, silverpop_clock: ManualClock) -> None:
    sandbox = sp_client.sandbox
    master = sandbox.lists["Gigya Master"]
    sp_client.ok("AddRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="raw-1", EMAIL="raw@example.com"))
    silverpop_clock.advance(60)
    sp_client.ok("OptOutRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="raw-1"))
    body = (
        f"<MAILING><LIST_ID>{master}</LIST_ID></MAILING><OPTOUTS/><EXPORT_FILE_NAME>optouts</EXPORT_FILE_NAME>"
        "<EVENT_DATE_START>11/14/2023 22:14:00</EVENT_DATE_START>"
        "<COLUMNS><COLUMN><NAME>GigyaUid</NAME></COLUMN></COLUMNS>"
    )
    result = sp_client.ok("RawRecipientDataExport", body)
    job_id = result.findtext("MAILING/JOB_ID") or ""
    assert result.findtext("MAILING/FILE_PATH") == "/download/optouts.csv"
    silverpop_clock.advance(20)
    assert sp_client.job_status(job_id)[0] == "COMPLETE"
    rows = list(csv.DictReader(io.StringIO(_download(sandbox, "optouts.csv").decode())))
    assert [(row["Email"], row["Event Type"], row["GigyaUid"]) for row in rows] == [
        ("raw@example.com", "Opt Out", "raw-1")
    ]
    assert rows[0]["Event Timestamp"] == "11/14/2023 22:14:20"


def test_unknown_job_is_a_fault(sp_client: XmlClient) -> None:
    assert sp_client.fault("GetJobStatus", "<JOB_ID>42</JOB_ID>")[0] == 51


def test_real_time_default_moves_jobs_without_polling() -> None:
    """With the wall clock and the ticker (the defaults of a real run) a job completes on its own."""
    config = SilverpopConfig(job_waiting_s=0.05, job_running_s=0.05)
    with SilverpopSandbox(config, tick_s=0.02) as sandbox:
        client = XmlClient(sandbox)
        master = sandbox.lists["Gigya Master"]
        result = client.ok("ExportList", f"<LIST_ID>{master}</LIST_ID><EXPORT_TYPE>ALL</EXPORT_TYPE>")
        name = (result.findtext("FILE_PATH") or "").removeprefix("/download/")
        deadline = time.monotonic() + 10
        while name not in sandbox.download_files() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert name in sandbox.download_files()
        assert sandbox.store.jobs.get(int(result.findtext("JOB_ID") or 0)).status == "COMPLETE"  # type: ignore[union-attr]


def test_import_matching_by_recipient_id_and_by_sync_fields(sp_client: XmlClient) -> None:
    sandbox = sp_client.sandbox
    master = sandbox.lists["Gigya Master"]
    recipient = sp_client.ok(
        "AddRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="m-1", EMAIL="m1@example.com")
    ).findtext("RecipientId")
    by_id = (f"<LIST_IMPORT><LIST_INFO><ACTION>UPDATE_ONLY</ACTION><LIST_ID>{master}</LIST_ID>"
             "<USE_RECIPIENT_ID>true</USE_RECIPIENT_ID></LIST_INFO><MAPPING>"
             "<COLUMN><INDEX>1</INDEX><NAME>RECIPIENT_ID</NAME></COLUMN>"
             "<COLUMN><INDEX>2</INDEX><NAME>FirstName</NAME></COLUMN></MAPPING></LIST_IMPORT>")  # fmt: skip
    by_email = (f"<LIST_IMPORT><LIST_INFO><ACTION>UPDATE_ONLY</ACTION><LIST_ID>{master}</LIST_ID></LIST_INFO>"
                "<SYNC_FIELDS><SYNC_FIELD><NAME>EMAIL</NAME></SYNC_FIELD></SYNC_FIELDS><MAPPING>"
                "<COLUMN><INDEX>1</INDEX><NAME>EMAIL</NAME></COLUMN>"
                "<COLUMN><INDEX>2</INDEX><NAME>LastName</NAME></COLUMN></MAPPING></LIST_IMPORT>")  # fmt: skip
    (sandbox.upload_dir / "id.xml").write_text(by_id)
    (sandbox.upload_dir / "id.csv").write_text(f"{recipient},Mia\n999,Nobody\n")
    (sandbox.upload_dir / "em.xml").write_text(by_email)
    (sandbox.upload_dir / "em.csv").write_text("M1@example.com,Moe\n")
    for stem in ("id", "em"):
        sp_client.ok("ImportList", f"<MAP_FILE>{stem}.xml</MAP_FILE><SOURCE_FILE>{stem}.csv</SOURCE_FILE>")
    sandbox.step_jobs()
    sandbox.step_jobs()
    assert [job["status"] for job in sandbox.jobs()] == ["COMPLETE", "COMPLETE"]
    assert [job["parameters"]["NOT_ALLOWED"] for job in sandbox.jobs()] == ["1", "0"]  # type: ignore[index]
    fields = (sandbox.contact(master, GigyaUid="m-1") or {})["fields"]
    assert (fields["FirstName"], fields["LastName"]) == ("Mia", "Moe")


def test_contacts_put_in_place_report_their_opt_in_and_opt_out(
    sp_client: XmlClient, silverpop_clock: ManualClock
) -> None:
    """Seeded and admin-API contacts have events too, in time order, as RawRecipientDataExport lists them."""
    sandbox = sp_client.sandbox
    master = sandbox.lists["Gigya Master"]
    sandbox.add_contact(master, {"GigyaUid": "seeded-1", "EMAIL": "seeded@example.com"}, opted_out=True)
    body = f"<MAILING><LIST_ID>{master}</LIST_ID></MAILING><OPTOUTS/><EXPORT_FILE_NAME>admin</EXPORT_FILE_NAME>"
    job_id = sp_client.ok("RawRecipientDataExport", body).findtext("MAILING/JOB_ID") or ""
    silverpop_clock.advance(20)
    assert sp_client.job_status(job_id)[0] == "COMPLETE"
    rows = list(csv.DictReader(io.StringIO(_download(sandbox, "admin.csv").decode())))
    emails = [row["Email"] for row in rows]
    assert "seeded@example.com" in emails
    stamps = [datetime.strptime(row["Event Timestamp"], "%m/%d/%Y %H:%M:%S") for row in rows]
    assert stamps == sorted(stamps) and len(rows) >= 2  # the seed's opted-out contacts are listed too
