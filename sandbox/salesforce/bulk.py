"""Bulk API 2.0 ingest jobs: ``Open`` -> (CSV uploaded) ``UploadComplete`` -> ``InProgress`` -> ``JobComplete``.

A job runs ``job_delay_s`` after its upload completes (sandbox clock). Rows are applied one by one; the refused
ones make up ``failedResults`` (``"sf__Id","sf__Error",<columns>``), the rest ``successfulResults``
(``"sf__Id","sf__Created",<columns>``). A header naming a field the object lacks fails the whole job
(``InvalidBatch : Field name not found``), as Salesforce does.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.objects import SObject, WriteRefused

OPERATIONS = ("insert", "update", "upsert", "delete")


@dataclass
class IngestJob:
    id: str
    object: SObject
    operation: str
    external_id: str
    created: float
    api_version: str
    state: str = "Open"
    data: list[bytes] = field(default_factory=list)
    closed: float = 0.0
    success: list[list[str]] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    error: str = ""

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.object.name,
            "createdById": "005SANDBOX",
            "state": self.state,
            "externalIdFieldName": self.external_id,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "jobType": "V2Ingest",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
            "contentUrl": f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches",
            "numberRecordsProcessed": len(self.success) + len(self.failed),
            "numberRecordsFailed": len(self.failed),
            "retries": 0,
            "totalProcessingTime": 0,
            **({"errorMessage": self.error} if self.error else {}),
        }

    def advance(self, now: float, delay: float, serial: list[int]) -> None:
        if self.state != "UploadComplete" or now < self.closed + delay:
            return
        rows = list(csv.reader(io.StringIO(b"".join(self.data).decode("utf-8-sig"))))
        self.header = rows[0] if rows else []
        names = [self.object.canonical(name) for name in self.header]
        unknown = [given for given, name in zip(self.header, names, strict=True) if name is None]
        if unknown:
            self.state, self.error = "Failed", f"InvalidBatch : Field name not found : {unknown[0]}"
            return
        for raw in rows[1:]:
            if not raw:
                continue
            row = dict(zip(names, raw, strict=False))
            try:
                serial[0] += 1
                record_id, created = self.object.upsert(row, self.external_id, serial[0])  # type: ignore[arg-type]
                self.success.append([record_id, "true" if created else "false", *raw])
            except WriteRefused as refused:
                self.failed.append(["", str(refused), *raw])
        self.state = "JobComplete"

    def results(self, kind: str) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        second = "sf__Created" if kind == "successfulResults" else "sf__Error"
        writer.writerow(["sf__Id", second, *self.header])
        writer.writerows(self.success if kind == "successfulResults" else self.failed)
        return out.getvalue().encode()
