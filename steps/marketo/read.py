"""``datasource.read.marketo``: leads as records, through the bulk lead extract.

Marketo's extract needs a date filter of 31 days at most, so the reader walks windows of ``windowDays`` on
``updatedAt``: from ``startDate`` on a full extract (2006-01-01 unless set: every lead ever changed), from the
start of the job's delta window with ``delta``, up to this job's start. Each window is one export job (create,
enqueue, poll, download the CSV); records carry the requested ``fields`` as Marketo's CSV gives them (text).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from dataflow.component import Reader, Record
from steps.marketo.connection import MarketoStep
from steps.rest.values import names

DEFAULT_START = "2006-01-01T00:00:00Z"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ReadMarketo(MarketoStep, Reader):
    type: ClassVar[str] = "datasource.read.marketo"

    def windows(self) -> Iterator[tuple[datetime, datetime]]:
        job = self.context.job
        if self.params.get("delta") and job.delta_since is not None:
            start = job.delta_since
        else:
            start = datetime.fromisoformat(str(self.params.get("startDate") or DEFAULT_START).replace("Z", "+00:00"))
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
        step = timedelta(days=max(1, min(31, int(self.params.get("windowDays") or 31))))
        # Marketo's filter is to the second: round the job's start up so a lead changed just before it is in.
        until = job.now.replace(microsecond=0) + timedelta(seconds=1 if job.now.microsecond else 0)
        while start < until:
            end = min(start + step, until)
            yield start, end
            start = end

    def read(self) -> Iterator[list[Record]]:
        fields = names(self.params["fields"])
        total = 0
        for start, end in self.windows():
            for batch in self._export(fields, start, end):
                total += len(batch)
                yield batch
                if self.context.job.budget_exhausted:
                    return
        self.context.info(f"read {total:,} leads")

    def _export(self, fields: list[str], start: datetime, end: datetime) -> Iterator[list[Record]]:
        window = {"startAt": stamp(start), "endAt": stamp(end)}
        body = {"fields": fields, "format": "CSV", "filter": {"updatedAt": window}}
        export_id = self.client.json("POST", "/bulk/v1/leads/export/create.json", json=body)["result"][0]["exportId"]
        self.client.json("POST", f"/bulk/v1/leads/export/{export_id}/enqueue.json")
        status = self.poll(
            lambda: self.client.json("GET", f"/bulk/v1/leads/export/{export_id}/status.json")["result"][0],
            lambda answer: answer.get("status") in ("Completed", "Failed", "Cancelled"),
            f"Marketo export {export_id}",
            "export",
        )
        if status["status"] != "Completed" or not int(status.get("numberOfRecords") or 0):
            if status["status"] != "Completed":
                self.context.warn(f"Marketo export {export_id} ended {status['status']}")
            return
        text = self.client.request("GET", f"/bulk/v1/leads/export/{export_id}/file.json").content.decode("utf-8-sig")
        rows = csv.DictReader(io.StringIO(text))
        batch: list[Record] = []
        for row in rows:
            batch.append(dict(row))
            if len(batch) >= self.batch_limit():
                yield batch
                batch = []
        if batch:
            yield batch
