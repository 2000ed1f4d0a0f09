"""Export files: ExportList (contacts of a database) and RawRecipientDataExport (contact events).

The file is written when the job completes (a snapshot of that moment) and only then appears in
``download/``, under the name already promised in FILE_PATH. ExportList's default columns follow the observed
files (silverpop.md §4.5): ``Email``, the opt-in/opt-out system columns (``Opted Out`` as ``T``/``F``), then the
custom columns; ``RECIPIENT_ID`` only on request. The sandbox sends no mailings, so the raw export holds the
opt-in and opt-out events it did see.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sandbox.silverpop.clock import java_format
from sandbox.silverpop.model import EMAIL, Contact, Database
from sandbox.silverpop.results import atomic_write
from sandbox.silverpop.store import Store
from sandbox.silverpop.values import reformat_date

SYSTEM_COLUMNS = ("Email", "Opt In Date", "Opt In Details", "Opted Out", "Opted Out Date", "Opt Out Details")
EXPORT_DELIMITERS = {"CSV": ",", "TAB": "\t", "PIPE": "|"}
RAW_DELIMITERS = {0: ",", 1: "|", 2: "\t"}
DEFAULT_DATE_FORMAT = "MM/dd/yyyy HH:mm:ss"
RAW_HEADERS = ("Recipient Id", "Recipient Type", "Mailing Id", "Report Id", "Campaign Id", "Email", "Event Type",
               "Event Timestamp")  # fmt: skip


@dataclass
class ListExport:
    database_id: int
    file_name: str
    export_type: str
    delimiter: str
    encoding: str
    columns: list[str]
    date_format: str | None
    window: tuple[float | None, float | None] = (None, None)
    use_created: bool = False


@dataclass
class RawExport:
    file_name: str
    delimiter: str
    encoding: str
    list_ids: set[int] | None
    kinds: set[str]
    window: tuple[float | None, float | None]
    extra_columns: list[str] = field(default_factory=list)


def default_columns(database: Database, recipient_id: bool, list_id: bool, lead_source: bool) -> list[str]:
    columns = (["RECIPIENT_ID"] if recipient_id else []) + list(SYSTEM_COLUMNS)
    columns += [name for name in database.columns if name != EMAIL]
    return columns + (["LIST_ID"] if list_id else []) + (["Lead Source"] if lead_source else [])


def _wanted(contact: Contact, plan: ListExport) -> bool:
    if plan.export_type == "OPT_IN" and contact.opted_out is not None:
        return False
    if plan.export_type == "OPT_OUT" and contact.opted_out is None:
        return False
    if plan.export_type == "UNDELIVERABLE":
        return False  # the sandbox never bounces mail
    stamp = contact.created if plan.use_created else contact.modified
    start, end = plan.window
    return (start is None or stamp >= start) and (end is None or stamp <= end)


def _row(database: Database, contact: Contact, names: list[str], pattern: str | None) -> list[str]:
    """One contact's cells; the system columns are computed once per contact, not once per cell."""
    stamp_format = pattern or DEFAULT_DATE_FORMAT
    system = {
        "RECIPIENT_ID": str(contact.recipient_id),
        "LIST_ID": str(database.id),
        "Email": contact.fields.get(EMAIL, ""),
        "Opt In Date": java_format(contact.opted_in, stamp_format) if contact.opted_in else "",
        "Opt In Details": "",
        "Opted Out": "T" if contact.opted_out is not None else "F",
        "Opted Out Date": java_format(contact.opted_out, stamp_format) if contact.opted_out else "",
        "Opt Out Details": "",
        "Lead Source": "",
    }
    cells = []
    for name in names:
        column = None if name in system else database.column(name)
        if column is None:
            cells.append(system.get(name, ""))
        else:
            cells.append(reformat_date(column.kind, contact.fields.get(column.name, ""), pattern))
    return cells


def _write(store: Store, name: str, delimiter: str, encoding: str, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    codec = "iso-8859-1" if encoding.lower().replace("_", "-") in ("iso-8859-1", "latin-1") else "utf-8"
    atomic_write(store.download_dir / name, buffer.getvalue().encode(codec, "replace").decode(codec), codec)
    store.reserved_files.discard(name)


def write_list_export(store: Store, plan: ListExport) -> int:
    database = store.databases[plan.database_id]
    contacts = sorted((c for c in database.contacts.values() if _wanted(c, plan)), key=lambda c: c.recipient_id)
    rows = [list(plan.columns)]
    rows += [_row(database, contact, plan.columns, plan.date_format) for contact in contacts]
    _write(store, plan.file_name, plan.delimiter, plan.encoding, rows)
    return len(contacts)


def write_raw_export(store: Store, plan: RawExport) -> int:
    start, end = plan.window
    events = [
        event
        for event in sorted(store.events, key=lambda item: item.when)
        if (plan.list_ids is None or event.list_id in plan.list_ids)
        and event.kind in plan.kinds
        and (start is None or int(event.when) >= start)
        and (end is None or int(event.when) <= end)  # event times are whole seconds
    ]
    rows = [[*RAW_HEADERS, *plan.extra_columns]]
    for event in events:
        database = store.databases.get(event.list_id)
        contact = database.contacts.get(event.recipient_id) if database else None
        extras = _row(database, contact, plan.extra_columns, None) if database and contact else []
        extras += [""] * (len(plan.extra_columns) - len(extras))
        stamp = java_format(event.when, DEFAULT_DATE_FORMAT)
        rows.append([str(event.recipient_id), "Normal", "", "", "", event.email, event.kind, stamp, *extras])
    _write(store, plan.file_name, plan.delimiter, plan.encoding, rows)
    return len(events)
