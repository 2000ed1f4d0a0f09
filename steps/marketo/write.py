"""``datasource.write.marketo``: records into Marketo leads through the bulk lead import.

Up to ``recordsPerJob`` records become one CSV (columns: the records' fields in first-appearance order, named as
Marketo's REST field names: ``email``, ``firstName``, ``gUID``...; objects and arrays as JSON text), posted to
``/bulk/v1/leads.json`` with ``lookupField`` (``email``), optionally into the static list ``listId``. The import
is polled until ``Complete``; the rows in its failures file go down the error path with Marketo's reason, the
other records are passed on. An import that fails as a whole (a column naming no Marketo field) fails the job.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dataflow.component import Record
from dataflow.errors import FatalError
from steps.marketo.connection import MarketoStep
from steps.rest.csvjobs import match_failures, table, to_csv
from steps.rest.values import public_fields
from steps.rest.writer import BufferedWriter, Refusals

FAILURE_COLUMN = "Import Failure Reason"


class WriteMarketo(MarketoStep, BufferedWriter):
    type: ClassVar[str] = "datasource.write.marketo"
    job_size_default: ClassVar[int] = 10_000

    def send(self, records: list[Record]) -> Refusals:
        columns, cells = table([public_fields(record) for record in records])
        query: dict[str, Any] = {"format": "csv", "lookupField": self.params.get("lookupField") or "email"}
        if self.params.get("listId"):
            query["listId"] = self.params["listId"]
        files = {"file": ("leads.csv", to_csv(columns, cells), "text/csv")}
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
            text = self.client.request("GET", f"/bulk/v1/leads/batch/{batch_id}/failures.json").text
            refused = match_failures(text, columns, cells, FAILURE_COLUMN, {"batchId": batch_id}, self.context.warn)
        self.context.info(
            f"Marketo import {batch_id}: {status.get('numOfLeadsProcessed', 0):,} leads processed, "
            f"{status.get('numOfRowsFailed', 0):,} failed, {status.get('numOfRowsWithWarning', 0):,} with warnings"
        )
        return refused
