"""``datasource.write.marketo``: records into Marketo leads through the bulk lead import.

Up to ``recordsPerJob`` records become one CSV (columns: the records' fields in first-appearance order, named as
Marketo's REST field names: ``email``, ``firstName``, ``gUID``...; objects and arrays as JSON text), posted to
``/bulk/v1/leads.json`` with ``lookupField`` (``email``), optionally into the static list ``listId``. The import
is polled until ``Complete``; the rows in its failures file go down the error path with Marketo's reason, the
other records are passed on. An import that fails as a whole (a column naming no Marketo field) fails the job.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any, ClassVar

from dataflow.component import Record
from dataflow.errors import FatalError
from steps.marketo.connection import MarketoStep
from steps.rest.values import as_text, public_fields
from steps.rest.writer import BufferedWriter, Refusals

FAILURE_COLUMN = "Import Failure Reason"


class WriteMarketo(MarketoStep, BufferedWriter):
    type: ClassVar[str] = "datasource.write.marketo"
    job_size_default: ClassVar[int] = 10_000

    def send(self, records: list[Record]) -> Refusals:
        rows = [public_fields(record) for record in records]
        header: dict[str, None] = {}
        for row in rows:
            header.update(dict.fromkeys(row))
        columns = list(header)
        table = [[as_text(row.get(name)) for name in columns] for row in rows]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(table)
        query: dict[str, Any] = {"format": "csv", "lookupField": self.params.get("lookupField") or "email"}
        if self.params.get("listId"):
            query["listId"] = self.params["listId"]
        files = {"file": ("leads.csv", out.getvalue().encode(), "text/csv")}
        started = self.client.json("POST", "/bulk/v1/leads.json", params=query, files=files)
        batch_id = started["result"][0]["batchId"]
        status = self.poll(
            lambda: self.client.json("GET", f"/bulk/v1/leads/batch/{batch_id}.json")["result"][0],
            lambda answer: answer.get("status") in ("Complete", "Failed"),
            f"Marketo import {batch_id}",
            "import",
        )
        if status["status"] == "Failed":
            raise FatalError(f"Marketo import {batch_id} failed: {status.get('message') or 'no reason given'}")
        refused: Refusals = {}
        if int(status.get("numOfRowsFailed") or 0):
            refused = self._failures(batch_id, columns, table)
        self.context.info(
            f"Marketo import {batch_id}: {status.get('numOfLeadsProcessed', 0):,} leads processed, "
            f"{status.get('numOfRowsFailed', 0):,} failed, {status.get('numOfRowsWithWarning', 0):,} with warnings"
        )
        return refused

    def _failures(self, batch_id: int, columns: list[str], table: list[list[str]]) -> Refusals:
        """Failed rows matched back to the records by their values (the failures file has no row numbers)."""
        where: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for index, row in enumerate(table):
            where[tuple(row)].append(index)
        text = self.client.request("GET", f"/bulk/v1/leads/batch/{batch_id}/failures.json").text
        reader = csv.reader(io.StringIO(text))
        header = next(reader, [])
        if FAILURE_COLUMN not in header:
            raise FatalError(f"Marketo import {batch_id}: the failures file has no '{FAILURE_COLUMN}' column")
        reason_at = header.index(FAILURE_COLUMN)
        positions = [header.index(name) if name in header else None for name in columns]
        refused: Refusals = {}
        for line in reader:
            if not line:
                continue
            key = tuple(line[p] if p is not None and p < len(line) else "" for p in positions)
            indices = where.get(key)
            reason = line[reason_at] if reason_at < len(line) else "refused by Marketo"
            if indices:
                refused[indices.pop(0)] = (reason, {"batchId": batch_id})
            else:
                self.context.warn(f"Marketo import {batch_id} refused a row it did not identify: {reason}")
        return refused
