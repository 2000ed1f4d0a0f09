"""``datasource.write.silverpop``: a DSV file of contacts into a Silverpop database through ImportList.

For each incoming file: read the database's columns (GetListMetaData), rewrite the file as Silverpop reads it
(``prepare.py``), upload it and a generated map file to ``upload/``, run ImportList with ``ADD_AND_UPDATE``
keyed by the database's key (the Gigya UID column), wait for the job, then read ``.res``/``.err`` and send
every rejected row down the error path with Silverpop's reason. The file itself is passed on.

Counters are in rows: ``in`` the file's data rows, ``errors`` the rows Silverpop (or the rewrite) rejected,
``out`` the rest. The contact's own opt-out state is never touched: newsletters travel as Yes/No fields
(``newsletterField``), and the map never uses ``ACTION OPT_OUT``.

Two settings serve the integration guide's newsletter layouts and its opt-outs:

- ``membershipField`` (one database per newsletter): rows whose Yes/No field says No are imported
  ``UPDATE_ONLY``, so an existing contact learns it unsubscribed but a person who never subscribed is not added.
  Silverpop refuses those rows as "not allowed" (no such contact); they are counted as filtered, not as errors;
- ``newsletterChangedColumns``: the outbound never pushes a newsletter value older than an opt-out Silverpop
  reported since (``optout_guard.py``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from dataflow.component import Component, Kind, ParamProblem, Record
from dataflow.errors import FatalError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.silverpop import mapfile, ops, optout_guard
from steps.silverpop.base import SilverpopStep
from steps.silverpop.files import UPLOAD
from steps.silverpop.prepare import Prepared, plan_columns, source_rows, split_prepared, write_prepared
from steps.silverpop.results import ImportResult, Rejected
from steps.silverpop.settings import check_id
from steps.silverpop.values import names

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_ABSENT = re.compile(r"no such contact|not allowed|not a member|does not exist|not found", re.IGNORECASE)
_BAD_COUNTS = ("BAD_RECORDS", "BAD_ADDRESSES", "DUPLICATES")


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
        membership = params.get("membershipField")
        if membership and membership not in names(params.get("newsletterField")):
            yield ParamProblem(("membershipField",), f"'{membership}' must be one of the newsletterField columns")
        for field in params.get("newsletterChangedColumns") or {}:
            if field not in names(params.get("newsletterField")):
                yield ParamProblem(("newsletterChangedColumns", field), f"'{field}' is not a newsletterField column")

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._meta: ops.ListMeta | None = None
        self._parts = 0
        self._changed: dict[str, str] = dict(params.get("newsletterChangedColumns") or {})
        self._opt_outs: dict[str, Any] | None = None
        self._guards: list[optout_guard.Guard] = []

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
        action = str(self.params.get("action") or "ADD_AND_UPDATE")
        membership = self.params.get("membershipField")
        if not membership:
            self._import_part(file, prepared, action, members_only=False)
            return
        column = next(i for i, c in enumerate(prepared.columns) if c.source == membership and c.include)
        paths = (prepared.path.with_suffix(".members.csv"), prepared.path.with_suffix(".others.csv"))
        members, others = split_prepared(prepared, column, "Yes", paths)
        self.context.info(
            f"{file.name}: {members.rows:,} subscribed to this database's newsletter ({action}), "
            f"{others.rows:,} not (UPDATE_ONLY: existing contacts are updated, nobody is added)"
        )
        for part, part_action in ((members, action), (others, "UPDATE_ONLY")):
            if part.rows:
                self._import_part(file, part, part_action, members_only=part is others)

    def _import_part(self, file: FileRef, prepared: Prepared, action: str, members_only: bool) -> None:
        data_name, map_name = self._remote_names(file)
        map_path = prepared.path.with_suffix(".xml")
        columns = [(column.target, column.include) for column in prepared.columns]
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
        self._settle(file, prepared, self.import_results(status), status, members_only)

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
            helper_columns=frozenset(self._changed.values()),
        )
        for note in notes:
            self.context.info(f"{file.name}: {note}")
        prepared = Prepared(self.context.new_file_path(f"{file.name}.import.csv"), columns, sync_fields)
        guard = self._guard(header) if self._changed else None
        write_prepared(rows, columns, prepared.path, prepared, guard.apply if guard else None)
        if guard is not None and guard.kept:
            self.context.info(
                f"{file.name}: {guard.kept:,} newsletter value(s) older than the contact's opt-out in Silverpop "
                "sent as No (the opt-out is newer)"
            )
        return prepared

    def _guard(self, header: list[str]) -> optout_guard.Guard:
        uid_column = str(self.params.get("uidColumn") or "GigyaUid")
        missing = [name for name in (uid_column, *self._changed, *self._changed.values()) if name not in header]
        if missing:
            raise FatalError(f"newsletterChangedColumns needs the column(s) {', '.join(missing)} in the file")
        if self._opt_outs is None:
            self._opt_outs = self._load_opt_outs(uid_column)
        pairs = [(header.index(field), header.index(changed)) for field, changed in self._changed.items()]
        guard = optout_guard.Guard(self._opt_outs, header.index(uid_column), pairs)
        self._guards.append(guard)
        return guard

    def _load_opt_outs(self, uid_column: str) -> dict[str, Any]:
        started = time.perf_counter()
        now = self.context.job.now
        since = optout_guard.window_start(now, float(self.params.get("optOutLookbackDays", 30)))
        local = self.export_file(
            lambda: ops.raw_recipient_data_export(self.client, [self._list_id], ["OPTOUTS"], [uid_column], since, now),
            f"RawRecipientDataExport of opt-outs in {self._list_id} since {ops.request_date(since)}",
        )
        found = optout_guard.latest_opt_outs(local, uid_column)
        self.context.info(f"{len(found):,} contact(s) opted out in {self._list_id} since {ops.request_date(since)}")
        self._add_timing("opt-outs", started)
        return found

    def _settle(
        self, file: FileRef, prepared: Prepared, outcome: ImportResult, status: ops.JobStatus, members_only: bool
    ) -> None:
        rejected = outcome.rejected
        if members_only:
            rejected, absent = self._absent(rejected, outcome.counts)
            self.counters.filtered += len(absent)
            if absent:
                self.context.info(f"{file.name}: {len(absent):,} unsubscribed row(s) of people not in this database")
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
        self.counters.out += prepared.rows - len(outcome.rejected)
        counted = outcome.counts
        self.context.info(
            f"{file.name}: {prepared.rows:,} rows imported into {self.meta.name} ({self._list_id}): "
            f"{counted.get('SQL_ADDED', 0):,} added, {counted.get('SQL_UPDATED', 0):,} updated, "
            f"{len(rejected):,} rejected (job {status.id})"
        )
        valid = counted.get("TOTAL_VALID")
        if valid is not None and valid != prepared.rows - len(outcome.rejected):
            self.context.warn(f"{file.name}: Silverpop counts {valid:,} valid rows, its error file lists the rest")

    @staticmethod
    def _absent(rejected: list[Rejected], counts: dict[str, int]) -> tuple[list[Rejected], list[Rejected]]:
        """(real rejections, rows refused because the contact is not in the database) of an UPDATE_ONLY import."""
        if counts.get("NOT_ALLOWED", 0) >= len(rejected) and not any(counts.get(name) for name in _BAD_COUNTS):
            return [], rejected
        absent = [item for item in rejected if _ABSENT.search(item.reason)]
        return [item for item in rejected if not _ABSENT.search(item.reason)], absent

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
