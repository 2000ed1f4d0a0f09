"""Bulk lead import (``/bulk/v1/leads.json``) and bulk lead extract (``/bulk/v1/leads/export``) as jobs.

An import is ``Queued`` until ``job_delay_s`` has passed on the sandbox clock, then applied row by row and
``Complete``; rows Marketo refuses are listed in the failures file (the row as sent plus ``Import Failure
Reason``). A header naming a field the instance lacks fails the whole import. An extract is ``Created``, then
``Queued`` once enqueued, then ``Completed`` after the delay, its file a CSV of the requested fields for leads
whose ``updatedAt`` (or ``createdAt``) falls in the filter's window (31 days at most, as Marketo allows).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sandbox.marketo.leads import LeadDatabase, LeadRefused, iso, parse_iso

MAX_WINDOW_S = 31 * 24 * 3600


@dataclass
class Import:
    id: int
    rows: list[dict[str, str]]
    header: list[str]
    lookup: str
    submitted: float
    status: str = "Queued"
    failures: list[tuple[dict[str, str], str]] = field(default_factory=list)
    processed: int = 0
    message: str = ""

    def view(self) -> dict[str, Any]:
        return {
            "batchId": self.id,
            "importId": str(self.id),
            "status": self.status,
            "numOfLeadsProcessed": self.processed,
            "numOfRowsFailed": len(self.failures),
            "numOfRowsWithWarning": 0,
            "message": self.message,
        }

    def advance(self, database: LeadDatabase, now: float, delay: float) -> None:
        if self.status != "Queued" or now < self.submitted + delay:
            return
        try:
            for name in self.header:
                database.name(name)
        except LeadRefused as refused:
            self.status, self.message = "Failed", refused.message
            return
        for row in self.rows:
            try:
                database.upsert(row, self.lookup, now)
                self.processed += 1
            except LeadRefused as refused:
                self.failures.append((row, refused.message))
        self.status = "Complete"
        self.message = f"Import completed: {self.processed} leads processed, {len(self.failures)} failed"

    def failure_file(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*self.header, "Import Failure Reason"])
        for row, reason in self.failures:
            writer.writerow([*(row.get(name, "") for name in self.header), reason])
        return out.getvalue()


def read_import(data: bytes, separator: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=separator)
    header = next(reader, [])
    return header, [dict(zip(header, row, strict=False)) for row in reader if row]


@dataclass
class Export:
    id: str
    fields: list[str]
    filter: dict[str, Any]
    created: float
    status: str = "Created"
    queued: float = 0.0
    file: str = ""
    records: int = 0

    def view(self) -> dict[str, Any]:
        return {
            "exportId": self.id,
            "format": "CSV",
            "status": self.status,
            "createdAt": iso(self.created),
            "numberOfRecords": self.records,
            "fileSize": len(self.file.encode()),
        }

    def advance(self, database: LeadDatabase, now: float, delay: float) -> None:
        if self.status != "Queued" or now < self.queued + delay:
            return
        ((kind, window),) = self.filter.items()
        start, end = parse_iso(window["startAt"]), parse_iso(window["endAt"])
        chosen = [lead for lead in database.leads.values() if start <= lead.get(kind, 0) <= end]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.fields)
        for lead in chosen:
            shown = database.view(lead, self.fields)
            writer.writerow(
                [
                    "" if shown.get(f) is None else str(shown[f]).lower() if isinstance(shown[f], bool) else shown[f]
                    for f in self.fields
                ]
            )
        self.file, self.records, self.status = out.getvalue(), len(chosen), "Completed"


def check_filter(given: Any) -> dict[str, Any]:
    if not isinstance(given, dict) or len(given) != 1:
        raise LeadRefused("1003", "Exactly one filter (createdAt or updatedAt) is supported")
    ((kind, window),) = given.items()
    if kind not in ("createdAt", "updatedAt") or not isinstance(window, dict):
        raise LeadRefused("1003", f"Invalid filter type '{kind}'")
    try:
        start, end = parse_iso(window["startAt"]), parse_iso(window["endAt"])
    except (KeyError, TypeError, ValueError):
        raise LeadRefused("1003", "startAt and endAt must be ISO-8601 date-times") from None
    if end < start or end - start > MAX_WINDOW_S:
        raise LeadRefused("1003", "The date range of a filter must be 31 days or less")
    return {kind: window}
