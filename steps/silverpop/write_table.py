"""``datasource.write.silverpop.table``: records into a Silverpop relational table (Likes, Favorites, GM, Signals).

Two ways in, chosen by volume (``method: auto``):

- up to ``apiMaxRows`` rows (default 1,000): InsertUpdateRelationalTable, ``rowsPerCall`` rows per call,
  several calls at once within the org's cap of 10. A small delta is in the table within seconds, with no
  SFTP session and no job queue; each call answers at once with the rows it refused.
- more rows: one CSV and a generated ``TABLE_IMPORT`` map over SFTP, then ImportTable, waiting for the job.
  A full load of a site's likes runs to millions of rows; at 100 rows a call that would be tens of thousands
  of calls holding the org's ten API slots for hours, where one import job moves them in minutes.

Either way a row is matched on the table's key columns (added or updated), rows Silverpop refuses go down the
error path with its reason, and accepted records are passed on once the table holds them.

With ``rowsField`` each record is one contact and the array at that path its rows; rows the contact had in an
earlier run and has no more are deleted (``table_contacts.py``), and counters are in contacts.

With ``joinListId`` the table is then associated with that database (or those databases) through ``uidColumn``
(JoinTable). The association is remembered in the connector state, so it is submitted once, not every run.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from dataflow.clock import iso, utc_now
from dataflow.component import Component, Kind, ParamProblem
from dataflow.errors import FatalError
from dataflow.runtime.context import StepContext
from steps.silverpop import mapfile, ops, ops_rows
from steps.silverpop.base import SilverpopStep
from steps.silverpop.errors import SilverpopFault
from steps.silverpop.files import UPLOAD
from steps.silverpop.settings import check_id, id_list
from steps.silverpop.table_contacts import ContactRows, Expanded, RowLedger, TableSync, rows_scope, uid_source
from steps.silverpop.table_rows import RowMapper, Spill, check_mapping

MAX_RELATIONAL_ROWS = 10_000_000  # all relational tables of an org together
TRANSIENT_ROUNDS = 3

Failures = dict[int, str]  # spill index -> reason


class WriteSilverpopTable(SilverpopStep, Component):
    """Upsert records into the relational table ``tableId``, mapped by ``fieldMapping``; refused rows go to error."""

    type: ClassVar[str] = "datasource.write.silverpop.table"
    consumes: ClassVar[Kind | None] = "records"
    produces: ClassVar[Kind | None] = "records"
    fails: ClassVar[Kind | None] = "records"

    @classmethod
    def uses_sftp(cls, params: dict[str, Any]) -> bool:
        return params.get("method", "auto") != "api"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from super().check_params(params)
        yield from check_id(params, "tableId")
        for list_id in id_list(params.get("joinListId")):
            yield from check_id({"joinListId": list_id}, "joinListId")
        yield from check_mapping(params.get("fieldMapping"))
        mapping = params.get("fieldMapping")
        uid_column = params.get("uidColumn") or "GigyaUid"
        if params.get("rowsField") and isinstance(mapping, list) and uid_source(mapping, uid_column) is None:
            yield ParamProblem(("fieldMapping",), f"with rowsField, fieldMapping must fill the UID column {uid_column}")

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self.mapper = RowMapper(params["fieldMapping"])
        self.spill = Spill(context.new_file_path("table-input.jsonl"))
        self.uid_column = str(params.get("uidColumn") or "GigyaUid")
        self.contact_rows: ContactRows | None = None
        self.rows = self.spill
        if params.get("rowsField"):
            source = uid_source(params["fieldMapping"], self.uid_column) or self.uid_column
            sources = [item["sourceField"] for item in params["fieldMapping"]]
            self.contact_rows = ContactRows(params["rowsField"], source, sources)
            self.rows = Spill(context.new_file_path("table-rows.jsonl"))
        self.meta: ops.ListMeta | None = None
        self.method_used: str | None = None

    @property
    def table_id(self) -> str:
        return str(self.params["tableId"]).strip()

    def feed(self, batch: list) -> Iterator[list]:
        if batch:
            self.spill.write(batch)
            self.counters.in_ += len(batch)
        return iter(())

    def finish(self) -> Iterator[list]:
        if self.spill.count == 0:
            return
        self._learn_types()
        expanded = self.contact_rows.expand(self.spill, self.rows) if self.contact_rows is not None else None
        total = self.rows.count
        if total > MAX_RELATIONAL_ROWS:
            raise FatalError(f"{total:,} rows exceed what Silverpop relational tables hold ({MAX_RELATIONAL_ROWS:,})")
        failures: Failures = {}
        if total:
            method = self.params.get("method", "auto")
            if method == "auto":
                method = "api" if total <= int(self.params.get("apiMaxRows", 1000)) else "import"
            self.method_used = method
            self.context.info(f"{total:,} rows for relational table {self.table_id}: using {method}")
            started = time.perf_counter()
            failures = self._by_api() if method == "api" else self._by_import()
            self.timings[method] = time.perf_counter() - started
        if expanded is not None:
            failures = self._reconcile(expanded, failures)
        for list_id in id_list(self.params.get("joinListId")):
            self._join(list_id)
        yield from self._hand_on(failures)

    # the two ways in ---------------------------------------------------------------------------------------
    def _by_api(self) -> Failures:
        size = int(self.params.get("rowsPerCall", 100))
        chunks: list[list[tuple[int, dict[str, str]]]] = [[]]
        for index, record in self.rows.read():
            if len(chunks[-1]) >= size:
                chunks.append([])
            chunks[-1].append((index, self.mapper.row(record)))
        failures: Failures = {}
        workers = max(1, min(int(self.params.get("maxConcurrency", 10)), 10))
        with ThreadPoolExecutor(workers, thread_name_prefix=self.context.step_id) as pool:
            for round_number in range(1, TRANSIENT_ROUNDS + 1):
                retry: list[tuple[int, dict[str, str]]] = []
                for chunk, refused in zip(chunks, pool.map(self._send, chunks), strict=True):
                    for index, (reason, transient) in refused.items():
                        if transient and round_number < TRANSIENT_ROUNDS:
                            retry.extend(item for item in chunk if item[0] == index)
                        else:
                            failures[index] = reason
                if not retry:
                    break
                self.context.warn(f"{len(retry):,} rows refused for a transient reason; sending them again")
                chunks = [retry[start : start + size] for start in range(0, len(retry), size)]
        return failures

    def _send(self, chunk: list[tuple[int, dict[str, str]]]) -> dict[int, tuple[str, bool]]:
        refused: dict[int, tuple[str, bool]] = {}
        for failure in ops_rows.insert_update_rows(self.client, self.table_id, [row for _, row in chunk]):
            matched = [index for index, row in chunk if all(row.get(k) == v for k, v in failure.key.items())]
            if not matched:
                self.context.warn(f"Silverpop refused a row it did not identify: {failure.description}")
            for index in matched:
                refused[index] = (failure.description or "refused by Silverpop", failure.transient)
        return refused

    def _by_import(self) -> Failures:
        data_path = self.context.new_file_path(f"table_{self.table_id}.csv")
        with open(data_path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(self.mapper.columns)
            for _, record in self.rows.read():
                writer.writerow(self.mapper.row(record).values())
        map_path = data_path.with_suffix(".xml")
        map_path.write_bytes(mapfile.table_import(self.table_id, self.mapper.columns))
        base = f"{self.context.step_id}_{self.table_id}_{self.context.job.job_id[:12]}"
        data_name, map_name = f"{base}.csv".replace(" ", "_"), f"{base}.xml".replace(" ", "_")
        started = time.perf_counter()
        self.files.upload(data_path, data_name)
        self.files.upload(map_path, map_name)
        self.timings["upload"] = time.perf_counter() - started
        try:
            status = self.run_job(
                lambda: ops.import_table(self.client, map_name, data_name),
                f"ImportTable into {self.table_id}",
                results=True,
            )
        finally:
            self.files.remove(UPLOAD, data_name)
            self.files.remove(UPLOAD, map_name)
        outcome = self.import_results(status)
        failures: Failures = {}
        for item in outcome.rejected:
            if item.line is not None and 0 <= item.line - 2 < self.rows.count:
                failures[item.line - 2] = item.reason
            else:
                self.context.warn(f"Silverpop rejected a row without saying which: {item.reason}")
        counted = outcome.counts
        self.context.info(
            f"ImportTable job {status.id}: {counted.get('SQL_ADDED', 0):,} added, "
            f"{counted.get('SQL_UPDATED', 0):,} updated, {len(outcome.rejected):,} rejected"
        )
        return failures

    # after ---------------------------------------------------------------------------------------------------
    def _learn_types(self) -> None:
        """Column types (for GMT dates and Yes/No) from GetListMetaData; a server that will not tell is fine."""
        try:
            meta = ops.list_metadata(self.client, self.table_id)
        except SilverpopFault as problem:
            self.context.warn(f"no column types for table {self.table_id} ({problem}); values are sent as they are")
            return
        self.meta = meta
        unknown = [name for name in self.mapper.columns if name not in meta.columns]
        if unknown and meta.columns:
            raise FatalError(f"relational table {meta.name} ({self.table_id}) has no column(s) {', '.join(unknown)}")
        self.mapper.use_types(meta.columns)

    def _reconcile(self, expanded: Expanded, row_failures: Failures) -> Failures:
        """Delete the rows each contact no longer has; contact index -> reason for the contacts that failed."""
        keys = list(self.params.get("keyColumns") or (self.meta.key_columns if self.meta else []))
        if not keys:
            raise FatalError(f"relational table {self.table_id} reports no key columns; set keyColumns")
        ledger = RowLedger(self.context.job.state, rows_scope(self.settings.api_base, self.table_id))
        sync = TableSync(self.client, self.table_id, keys, ledger)
        failures = sync.reconcile(expanded, self.rows, row_failures, self.mapper, self.uid_column)
        if sync.removed:
            self.context.info(f"{sync.removed:,} rows no longer in Gigya deleted from relational table {self.table_id}")
        return failures

    def _joins_scope(self) -> str:
        return f"silverpop.joins:{self.settings.api_base}:{self.table_id}"

    def _join(self, list_id: str) -> None:
        """JoinTable, unless this table was joined with this database before (and is still the same table)."""
        uid = self.uid_column
        key = f"{list_id}:{uid}"
        created = self.meta.created if self.meta else ""
        known = self.context.job.state.get(self._joins_scope(), [key]).get(key)
        if known is not None and known.get("tableCreated") == created:
            since = known.get("at", "an earlier run")
            self.context.info(f"table {self.table_id} is associated with {list_id} on {uid} already (since {since})")
            return
        status = self.run_job(
            lambda: ops.join_table(self.client, self.table_id, list_id, {uid: uid}),
            f"JoinTable {self.table_id} with {list_id} on {uid}",
        )
        record = {"tableCreated": created, "jobId": status.id, "at": iso(utc_now())}
        self.context.job.state.put(self._joins_scope(), {key: record})

    def _hand_on(self, failures: Failures) -> Iterator[list]:
        batch: list = []
        limit = self.context.job.batch_size
        for index, record in self.spill.read():
            reason = failures.get(index)
            if reason is not None:
                self.reject(record, reason, tableId=self.table_id)
                self.counters.errors += 1
                continue
            batch.append(record)
            if len(batch) >= limit:
                self.counters.out += len(batch)
                yield batch
                batch = []
        if batch:
            self.counters.out += len(batch)
            yield batch

    def close(self) -> None:
        self.spill.close()
        self.rows.close()
        super().close()
