"""The XML API operations the connector uses, as typed functions over :class:`SilverpopClient`.

Each builds its request with ``xmlapi.operation`` and reads only the answer elements it needs, so an answer
with extra elements (a newer API) still works. Job waiting polls GetJobStatus with a growing interval: a
100k-row import takes minutes on Acoustic, and ten jobs polling every second would eat the org's call budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dataflow.errors import FatalError, JobKilled
from steps.silverpop import xmlapi
from steps.silverpop.client import SilverpopClient
from steps.silverpop.errors import JobFailed

DONE, FAILED = frozenset({"COMPLETE"}), frozenset({"ERROR", "CANCELLED", "CANCELED"})
PENDING = frozenset({"WAITING", "RUNNING"})
POLL_GROWTH = 1.5
POLL_MAX = 30.0
REQUEST_DATE = "%m/%d/%Y %H:%M:%S"  # silverpop.md §3: request dates, always GMT here


def request_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(REQUEST_DATE)


@dataclass
class ListMeta:
    id: str
    name: str
    columns: dict[str, str]  # name -> TYPE as the server wrote it (a number for databases, a word for tables)
    key_columns: list[str]
    created: str = ""  # CREATED as the server wrote it: tells a table from another one that reused its id

    def column(self, name: str) -> str | None:
        """The database's spelling of ``name``: exact, or any case of the system email column."""
        if name in self.columns:
            return name
        if name.lower() == "email":
            return next((known for known in self.columns if known.lower() == "email"), None)
        return None


@dataclass
class JobStatus:
    id: int
    status: str
    description: str
    parameters: dict[str, str] = field(default_factory=dict)


def list_metadata(client: SilverpopClient, list_id: str) -> ListMeta:
    result = client.call(xmlapi.operation("GetListMetaData", {"LIST_ID": list_id}))
    columns = {
        xmlapi.text(node, "NAME"): xmlapi.text(node, "TYPE")
        for node in result.findall("COLUMNS/COLUMN")
        if xmlapi.text(node, "NAME")
    }
    keys = [xmlapi.text(node, "NAME") for node in result.findall("KEY_COLUMNS/COLUMN") if xmlapi.text(node, "NAME")]
    return ListMeta(
        xmlapi.text(result, "ID", list_id),
        xmlapi.text(result, "NAME", list_id),
        columns,
        keys,
        xmlapi.text(result, "CREATED"),
    )


def _job_id(result: xmlapi.Element, operation: str) -> int:
    text = xmlapi.text(result, "JOB_ID") or xmlapi.text(result, "MAILING/JOB_ID")
    if not text.isdigit():
        raise FatalError(f"Silverpop {operation} answered without a JOB_ID")
    return int(text)


def import_list(client: SilverpopClient, map_file: str, source_file: str, encoding: str = "UTF-8") -> int:
    fields = {"MAP_FILE": map_file, "SOURCE_FILE": source_file, "FILE_ENCODING": encoding}
    return _job_id(client.call(xmlapi.operation("ImportList", fields)), "ImportList")


def import_table(client: SilverpopClient, map_file: str, source_file: str, encoding: str = "UTF-8") -> int:
    fields = {"MAP_FILE": map_file, "SOURCE_FILE": source_file, "FILE_ENCODING": encoding}
    return _job_id(client.call(xmlapi.operation("ImportTable", fields)), "ImportTable")


def export_list(
    client: SilverpopClient,
    list_id: str,
    export_type: str,
    columns: Iterable[str],
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[int, str]:
    """Start an ExportList; ``(job id, file name in download/)``."""
    wanted = [name for name in columns if name]
    export_columns = xmlapi.element("EXPORT_COLUMNS")
    for name in wanted:
        xmlapi.sub(export_columns, "COLUMN", name)
    fields = {
        "LIST_ID": list_id,
        "EXPORT_TYPE": export_type,
        "EXPORT_FORMAT": "CSV",
        "FILE_ENCODING": "utf-8",
        "DATE_START": request_date(since) if since else None,
        "DATE_END": request_date(until) if until else None,
    }
    extra = [export_columns] if wanted else []
    result = client.call(xmlapi.operation("ExportList", fields, *extra))
    path = xmlapi.text(result, "FILE_PATH")
    if not path:
        raise FatalError("Silverpop ExportList answered without a FILE_PATH")
    return _job_id(result, "ExportList"), path.replace("\\", "/").rsplit("/", 1)[-1]


def raw_recipient_data_export(
    client: SilverpopClient,
    list_ids: Iterable[str],
    events: Iterable[str],
    columns: Iterable[str],
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[int, str]:
    """Start a RawRecipientDataExport of contact events (``OPTOUTS``...) of databases; ``(job id, file name)``.

    ``columns`` are database columns added to each event row (e.g. the Gigya UID column), as ``COLUMNS``.
    """
    mailings = []
    for list_id in list_ids:
        mailing = xmlapi.element("MAILING")
        xmlapi.sub(mailing, "LIST_ID", list_id)
        mailings.append(mailing)
    extra = xmlapi.element("COLUMNS")
    for name in columns:
        xmlapi.sub(xmlapi.sub(extra, "COLUMN"), "NAME", name)
    fields: dict[str, object] = {
        "EVENT_DATE_START": request_date(since) if since else None,
        "EVENT_DATE_END": request_date(until) if until else None,
        "EXPORT_FORMAT": "0",
        "MOVE_TO_FTP": True,
        **{flag: True for flag in events},
    }
    children = [*mailings, extra] if len(extra) else mailings
    result = client.call(xmlapi.operation("RawRecipientDataExport", fields, *children))
    path = xmlapi.text(result, "MAILING/FILE_PATH") or xmlapi.text(result, "FILE_PATH")
    if not path:
        raise FatalError("Silverpop RawRecipientDataExport answered without a FILE_PATH")
    return _job_id(result, "RawRecipientDataExport"), path.replace("\\", "/").rsplit("/", 1)[-1]


def join_table(client: SilverpopClient, table_id: str, list_id: str, pairs: Mapping[str, str]) -> int:
    """Associate a relational table with a database (JoinTable, a job): ``pairs`` is list field -> table field."""
    maps = xmlapi.pairs("MAP_FIELD", "LIST_FIELD", "TABLE_FIELD", pairs)
    op = xmlapi.operation("JoinTable", {"TABLE_ID": table_id, "LIST_ID": list_id}, *maps)
    return _job_id(client.call(op), "JoinTable")


def remove_recipient(client: SilverpopClient, list_id: str, key: Mapping[str, str]) -> None:
    """RemoveRecipient of the contact with these key column values (a fault 128 when it is not there)."""
    client.call(
        xmlapi.operation("RemoveRecipient", {"LIST_ID": list_id}, *xmlapi.pairs("COLUMN", "NAME", "VALUE", key))
    )


def opt_out_recipient(client: SilverpopClient, list_id: str, key: Mapping[str, str]) -> None:
    """OptOutRecipient of the contact with these key column values: it stays in the database, opted out."""
    client.call(
        xmlapi.operation("OptOutRecipient", {"LIST_ID": list_id}, *xmlapi.pairs("COLUMN", "NAME", "VALUE", key))
    )


def job_status(client: SilverpopClient, job_id: int) -> JobStatus:
    result = client.call(xmlapi.operation("GetJobStatus", {"JOB_ID": job_id}))
    return JobStatus(
        job_id,
        xmlapi.text(result, "JOB_STATUS").upper(),
        xmlapi.text(result, "JOB_DESCRIPTION"),
        xmlapi.parameters(result),
    )


def wait_for_job(
    client: SilverpopClient,
    job_id: int,
    *,
    poll: float,
    timeout: float,
    cancel: threading.Event | None = None,
    log: Callable[[str], None] | None = None,
) -> JobStatus:
    """Poll until the job is COMPLETE; :class:`JobFailed` on ERROR/CANCELLED (reason left to the caller)."""
    started = time.monotonic()
    interval = poll
    last = ""
    while True:
        status = job_status(client, job_id)
        if status.status != last and log is not None:
            log(f"job {job_id}: {status.status}")
        last = status.status
        if status.status in DONE:
            return status
        if status.status in FAILED:
            raise JobFailed(job_id, status.status, status.description, None, status.parameters)
        if status.status not in PENDING:  # an answer that says nothing about the job will not start to: stop now
            shown = repr(status.status) if status.status else "no JOB_STATUS"
            raise FatalError(f"Silverpop answered GetJobStatus for job {job_id} with {shown}, not a job status")
        if time.monotonic() - started > timeout:
            raise FatalError(f"Silverpop job {job_id} is still {status.status} after {timeout:g} s; giving up")
        if cancel is not None and cancel.wait(interval):
            raise JobKilled("the job was killed")
        if cancel is None:
            time.sleep(interval)
        interval = min(max(POLL_MAX, poll), interval * POLL_GROWTH)
