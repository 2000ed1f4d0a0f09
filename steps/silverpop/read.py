"""``datasource.read.silverpop``: the contacts of a Silverpop database as records, through ExportList.

ExportList of ``listId`` (``columns`` only, or every column), waits for the job, downloads the CSV from
``download/`` over SFTP, deletes it there, and parses it into records keyed by the export's header (Silverpop
column names: ``GigyaUid``, ``EMAIL``, ``Opted Out``...; values as text). With ``delta`` the export is limited
to contacts modified within the job's delta window (since the last successful run, up to this job's start),
passed to Silverpop as GMT ``DATE_START``/``DATE_END``; a full extract exports everything.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from dataflow.component import ParamProblem, Reader, Record
from dataflow.errors import FatalError
from steps.silverpop import ops
from steps.silverpop.base import SilverpopStep
from steps.silverpop.files import DOWNLOAD
from steps.silverpop.settings import check_id
from steps.silverpop.values import names


class ReadSilverpop(SilverpopStep, Reader):
    """Export the database ``listId`` (ExportList) and emit its contacts as records."""

    type: ClassVar[str] = "datasource.read.silverpop"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from super().check_params(params)
        yield from check_id(params, "listId")

    def read(self) -> Iterator[list[Record]]:
        job = self.context.job
        list_id = str(self.params["listId"]).strip()
        columns = names(self.params.get("columns"))
        since = until = None
        if self.params.get("delta") and job.delta_since is not None:
            since, until = job.delta_since, job.now
        window = f"modified {ops.request_date(since)} - {ops.request_date(until)} GMT" if since and until else "all"
        export_type = str(self.params.get("exportType") or "ALL")
        started = time.perf_counter()
        file_name = ""

        def submit() -> int:
            nonlocal file_name
            job_id, file_name = ops.export_list(self.client, list_id, export_type, columns, since, until)
            return job_id

        self.run_job(submit, f"ExportList of {list_id} ({export_type}, {window})")
        self.timings["export"] = time.perf_counter() - started
        local = self.context.new_file_path(file_name or "export.csv")
        started = time.perf_counter()
        if self.files.download(file_name, local) is None:
            raise FatalError(f"the export job completed but download/{file_name} is not on {self.files.where}")
        self.files.remove(DOWNLOAD, file_name)
        self.timings["download"] = time.perf_counter() - started
        count = 0
        with open(local, encoding="utf-8-sig", newline="") as handle:
            rows = csv.reader(handle)
            header = next(rows, None)
            if header is None:
                self.context.info(f"{file_name}: no contacts")
                return
            batch: list[Record] = []
            limit = self.batch_limit()
            for row in rows:
                if not row:
                    continue
                batch.append(dict(zip(header, row, strict=False)))
                if len(batch) >= limit:
                    count += len(batch)
                    yield batch
                    batch, limit = [], self.batch_limit()
            if batch:
                count += len(batch)
                yield batch
        self.context.info(f"read {count:,} contacts from {file_name}")
