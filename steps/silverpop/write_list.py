"""``datasource.write.silverpop``: a DSV file of contacts into a Silverpop database through ImportList.

For each incoming file: read the database's columns (GetListMetaData), rewrite the file as Silverpop reads it
(``prepare.py``), upload it and a generated map file to ``upload/``, run ImportList with ``ADD_AND_UPDATE``
keyed by the database's key (the Gigya UID column), wait for the job, then read ``.res``/``.err`` and send
every rejected row down the error path with Silverpop's reason. The file itself is passed on.

Counters are in rows: ``in`` the file's data rows, ``errors`` the rows Silverpop (or the rewrite) rejected,
``out`` the rest. The contact's own opt-out state is never touched: newsletters travel as Yes/No fields
(``newsletterField``), and the map never uses ``ACTION OPT_OUT``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from dataflow.component import Component, Kind, ParamProblem, Record
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.silverpop import mapfile, ops
from steps.silverpop.base import SilverpopStep
from steps.silverpop.files import UPLOAD
from steps.silverpop.prepare import Prepared, plan_columns, source_rows, write_prepared
from steps.silverpop.results import ImportResult
from steps.silverpop.settings import check_id
from steps.silverpop.values import names

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class WriteSilverpop(SilverpopStep, Component):
    """Import each DSV file into the database ``listId`` (ImportList, add and update); rejected rows go to error."""

    type: ClassVar[str] = "datasource.write.silverpop"
    consumes: ClassVar[Kind | None] = "files"
    produces: ClassVar[Kind | None] = "files"
    fails: ClassVar[Kind | None] = "records"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from super().check_params(params)
        yield from check_id(params, "listId")

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._meta: ops.ListMeta | None = None
        self._parts = 0

    def feed(self, batch: list) -> Iterator[list]:
        for file in batch:
            self.context.job.check_cancelled()
            self.counters.files_in += 1
            self._import(file)
            self.counters.files_out += 1
        if batch:
            yield batch

    # one file -----------------------------------------------------------------------------------------
    def _import(self, file: FileRef) -> None:
        started = time.perf_counter()
        prepared = self._prepare(file)
        self._add_timing("prepare", started)
        if prepared is None:
            return
        for number, row, reason in prepared.local_rejects:
            self.reject(self._row_record(file, row, prepared), f"{file.name} row {number + 1}: {reason}")
        self.counters.in_ += prepared.rows + len(prepared.local_rejects)
        self.counters.errors += len(prepared.local_rejects)
        if prepared.rows == 0:
            self.context.info(f"{file.name}: no rows to import")
            return
        data_name, map_name = self._remote_names(file)
        map_path = prepared.path.with_suffix(".xml")
        columns = [(column.target, column.include) for column in prepared.columns]
        action = str(self.params.get("action") or "ADD_AND_UPDATE")
        map_path.write_bytes(mapfile.list_import(self._list_id, columns, action, prepared.sync_fields))
        started = time.perf_counter()
        self.files.upload(prepared.path, data_name)
        self.files.upload(map_path, map_name)
        self._add_timing("upload", started)
        started = time.perf_counter()
        try:
            status = self.run_job(
                lambda: ops.import_list(self.client, map_name, data_name), f"ImportList of {file.name}", results=True
            )
        finally:
            self._add_timing("import", started)
            self.files.remove(UPLOAD, data_name)
            self.files.remove(UPLOAD, map_name)
        self._settle(file, prepared, self.import_results(status), status)

    def _prepare(self, file: FileRef) -> Prepared | None:
        rows = source_rows(file.path, self.params.get("columnSeparator"))
        header = next(rows, None)
        if not header:
            self.context.info(f"{file.name}: empty file, nothing to import")
            return None
        columns, sync_fields, notes = plan_columns(
            header,
            self.meta,
            uid_column=str(self.params.get("uidColumn") or "GigyaUid"),
            newsletter_fields=names(self.params.get("newsletterField")),
            sync_phones=bool(self.params.get("syncPhoneNumbers", False)),
            phone_columns=names(self.params.get("phoneColumns")),
            ignore_unknown=bool(self.params.get("ignoreUnknownColumns", False)),
        )
        for note in notes:
            self.context.info(f"{file.name}: {note}")
        prepared = Prepared(self.context.new_file_path(f"{file.name}.import.csv"), columns, sync_fields)
        write_prepared(rows, columns, prepared.path, prepared)
        return prepared

    def _settle(self, file: FileRef, prepared: Prepared, outcome: ImportResult, status: ops.JobStatus) -> None:
        rejected = outcome.rejected
        by_source: dict[int, tuple[str, int | None]] = {}
        for item in rejected:
            index = item.line - 2 if item.line is not None else None  # line 1 is the header
            if index is not None and 0 <= index < len(prepared.origin):
                by_source[prepared.origin[index]] = (item.reason, item.line)
            else:
                record = dict(zip([c.source for c in prepared.columns], item.fields, strict=False))
                self.reject(record, item.reason, fileName=file.name, line=item.line, jobId=status.id)
        if by_source:
            self._reject_source_rows(file, by_source, status.id)
        self.counters.errors += len(rejected)
        self.counters.out += prepared.rows - len(rejected)
        counted = outcome.counts
        self.context.info(
            f"{file.name}: {prepared.rows:,} rows imported into {self.meta.name} ({self._list_id}): "
            f"{counted.get('SQL_ADDED', 0):,} added, {counted.get('SQL_UPDATED', 0):,} updated, "
            f"{len(rejected):,} rejected (job {status.id})"
        )
        valid = counted.get("TOTAL_VALID")
        if valid is not None and valid != prepared.rows - len(rejected):
            self.context.warn(f"{file.name}: Silverpop counts {valid:,} valid rows, its error file lists the rest")

    def _reject_source_rows(self, file: FileRef, wanted: dict[int, tuple[str, int | None]], job_id: int) -> None:
        """Send the rejected rows down the error path as the flow wrote them (read again from the source file)."""
        rows = source_rows(file.path, self.params.get("columnSeparator"))
        header = next(rows, [])
        for number, row in enumerate(rows):
            if number in wanted:
                reason, line = wanted[number]
                record: Record = dict(zip(header, row, strict=False))
                self.reject(record, reason, fileName=file.name, line=line, jobId=job_id)

    # helpers ------------------------------------------------------------------------------------------
    @property
    def _list_id(self) -> str:
        return str(self.params["listId"]).strip()

    @property
    def meta(self) -> ops.ListMeta:
        if self._meta is None:
            self._meta = ops.list_metadata(self.client, self._list_id)
        return self._meta

    def _remote_names(self, file: FileRef) -> tuple[str, str]:
        """Unique per job and part: upload/ is shared by every integration of the org."""
        self._parts += 1
        stem = _UNSAFE.sub("_", file.name.rsplit(".", 1)[0]) or "gigya"
        base = f"{stem}_{self.context.job.job_id[:12]}_{self._parts}"
        return f"{base}.csv", f"{base}.xml"

    @staticmethod
    def _row_record(file: FileRef, row: list[str], prepared: Prepared) -> Record:
        return {"fileName": file.name, "values": row, "columns": [c.source for c in prepared.columns]}

    def _add_timing(self, name: str, started: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started
