"""The state store in SQL, written once for every database: SQLite and PostgreSQL differ only in their dialect.

Guarantees that hold however many processes, on however many hosts, share one database:

- runs of one flow never overlap: a partial unique index allows one ``running`` job per dataflow;
- a running job holds a lease (``lease_expires``, on the database's clock) that its process renews while the job
  runs; once the lease has run out, the next process to start the flow marks the job failed and takes over;
- a job's outcome is recorded, and its watermark moved, only while it still holds its lease and only when it
  succeeded (``complete_job``: one transaction);
- a due scheduling slot is claimed by one scheduler: rows are locked while a scheduler decides
  (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite), and the claim moves the slot on.

Jobs and watermarks (``sql_jobs.py``), sites (``sites.py``), idx.search (``search.py``) and the row shapes
(``rows.py``) live beside it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from dataflow import jsonio
from dataflow.clock import iso, utc_now
from dataflow.store import LOCAL_SITE, FlowExists, StoredFlow, StoreError, Unchanged, flow_content
from dataflow.store.dialects import Connection, Dialect
from dataflow.store.migrations import MIGRATIONS
from dataflow.store.rows import flow as _flow
from dataflow.store.rows import scheduling as _scheduling
from dataflow.store.rows import scheduling_content as _scheduling_content
from dataflow.store.search import SearchMixin
from dataflow.store.sites import SitesMixin
from dataflow.store.sql_jobs import JobsMixin, site_clause

# What a scheduler decides about one scheduling: None leaves it; else its new (nextJobStartTime, retryAt, attempt).
Claim = Callable[[dict[str, Any]], tuple[str | None, str | None, int] | None]


class SQLStore(JobsMixin, SitesMixin, SearchMixin):
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        try:
            self._migrate()
        except BaseException:
            dialect.close()
            raise

    @property
    def shared(self) -> bool:
        """Whether processes on other hosts may share this store (so a pid says nothing about a job's owner)."""
        return self.dialect.shared

    @property
    def location(self) -> str:
        return self.dialect.location

    def describe(self) -> str:
        return self.dialect.describe()

    def close(self) -> None:
        self.dialect.close()

    def _migrate(self) -> None:
        with self.dialect.transaction() as db:
            self.dialect.lock_schema(db)
            current = self.dialect.schema_version(db)
            if current > len(MIGRATIONS):
                raise StoreError(f"{self.describe()} was written by a newer release (schema {current})")
            for version in range(current, len(MIGRATIONS)):
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        db.execute(statement)
                self.dialect.set_schema_version(db, version + 1)

    @property
    def schema_version(self) -> int:
        with self.dialect.read() as db:
            return self.dialect.schema_version(db)

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        with self.dialect.read() as db:
            return db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self.dialect.read() as db:
            return db.execute(sql, params).fetchall()

    # dataflows ------------------------------------------------------------------------------------------------
    def save_flow(self, document: dict[str, Any], status: str = "published", site: str = LOCAL_SITE) -> StoredFlow:
        name = _flow_name(document)
        with self.dialect.transaction() as db:
            row = db.execute(
                f"SELECT * FROM dataflows WHERE site = ? AND name = ? AND status = ?{self.dialect.lock_wait}",
                (site, name, status),
            ).fetchone()
            if row is not None:
                return self._update_flow(db, row, document)
            return self._insert_flow(db, document, status, site)

    def create_flow(self, document: dict[str, Any], status: str, site: str) -> StoredFlow:
        name = _flow_name(document)
        with self.dialect.transaction() as db:
            taken = db.execute(
                "SELECT id FROM dataflows WHERE site = ? AND name = ? AND status = ?", (site, name, status)
            ).fetchone()
            if taken is not None:
                raise FlowExists(f"a {status} dataflow named '{name}' exists already (id {taken['id']})")
            return self._insert_flow(db, document, status, site)

    def replace_flow(self, flow_id: str, document: dict[str, Any], status: str, site: str) -> StoredFlow:
        name = _flow_name(document)
        with self.dialect.transaction() as db:
            rows = db.execute(
                f"SELECT * FROM dataflows WHERE id = ? AND site = ?{self.dialect.lock_wait}", (flow_id, site)
            ).fetchall()
            if not rows:
                raise LookupError(f"no dataflow with id '{flow_id}'")
            clash = db.execute(
                "SELECT id FROM dataflows WHERE site = ? AND name = ? AND status = ? AND id != ?",
                (site, name, status, flow_id),
            ).fetchone()
            if clash is not None:
                raise FlowExists(f"another {status} dataflow is named '{name}' (id {clash['id']})")
            row = next((r for r in rows if r["status"] == status), None)
            if row is None:
                return self._insert_flow(db, document, status, site, flow_id)
            return self._update_flow(db, row, document)

    def _update_flow(self, db: Connection, row: Any, document: dict[str, Any]) -> StoredFlow:
        content = flow_content(document)
        name = _flow_name(document)
        if jsonio.loads(row["document"]) == content and row["name"] == name:
            raise Unchanged(
                f"dataflow '{row['name']}' ({row['status']}) has not changed; still version {row['version']}"
            )
        version = row["version"] + 1
        now = iso(utc_now())
        db.execute(
            "UPDATE dataflows SET name = ?, document = ?, version = ?, updated = ? WHERE id = ? AND status = ?",
            (name, jsonio.dumps(content), version, now, row["id"], row["status"]),
        )
        return StoredFlow(row["id"], name, row["status"], version, content, row["created"], now, row["site"])

    def _insert_flow(
        self, db: Connection, document: dict[str, Any], status: str, site: str, flow_id: str | None = None
    ) -> StoredFlow:
        name = _flow_name(document)
        content = flow_content(document)
        now = iso(utc_now())
        if flow_id is None:
            other = db.execute("SELECT id FROM dataflows WHERE site = ? AND name = ?", (site, name)).fetchone()
            flow_id = other["id"] if other else uuid.uuid4().hex
        try:
            db.execute(
                "INSERT INTO dataflows (id, site, name, status, version, document, created, updated)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (flow_id, site, name, status, 1, jsonio.dumps(content), now, now),
            )
        except self.dialect.integrity_error as clash:  # another process saved the same name meanwhile
            raise FlowExists(f"a {status} dataflow named '{name}' was just saved by another process") from clash
        return StoredFlow(flow_id, name, status, 1, content, now, now, site)

    def get_flow(self, name_or_id: str, status: str = "published", site: str | None = LOCAL_SITE) -> StoredFlow | None:
        clause, args = site_clause(site)
        row = self._one(
            f"SELECT * FROM dataflows WHERE (id = ? OR name = ?) AND status = ?{clause} ORDER BY id = ? DESC",
            (name_or_id, name_or_id, status, *args, name_or_id),
        )
        return _flow(row) if row else None

    def list_flows(self, site: str | None = LOCAL_SITE) -> list[StoredFlow]:
        clause, args = site_clause(site)
        return [
            _flow(row) for row in self._all(f"SELECT * FROM dataflows WHERE 1 = 1{clause} ORDER BY name, status", args)
        ]

    def delete_flow(self, name_or_id: str, site: str = LOCAL_SITE) -> bool:
        with self.dialect.transaction() as db:
            row = db.execute(
                "SELECT id FROM dataflows WHERE (id = ? OR name = ?) AND site = ? ORDER BY id = ? DESC",
                (name_or_id, name_or_id, site, name_or_id),
            ).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM dataflows WHERE id = ?", (row["id"],))
            db.execute("DELETE FROM schedulings WHERE dataflow_id = ?", (row["id"],))
            db.execute("DELETE FROM watermarks WHERE dataflow_id = ?", (row["id"],))
            return True

    # schedulings ----------------------------------------------------------------------------------------------
    def add_scheduling(self, scheduling: dict[str, Any], site: str = LOCAL_SITE) -> dict[str, Any]:
        now = iso(utc_now())
        document = _scheduling_content({**scheduling, "id": scheduling.get("id") or uuid.uuid4().hex})
        try:
            with self.dialect.transaction() as db:
                db.execute(
                    "INSERT INTO schedulings (id, site, name, dataflow_id, document, next_job_start_time, created,"
                    " updated) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        document["id"],
                        site,
                        document["name"],
                        document["dataflowId"],
                        jsonio.dumps(document),
                        document.get("nextJobStartTime"),
                        now,
                        now,
                    ),
                )
        except self.dialect.integrity_error as clash:
            raise StoreError(f"a scheduling named '{document['name']}' exists already") from clash
        return self.get_scheduling(document["id"], site) or document

    def replace_scheduling(self, scheduling: dict[str, Any], site: str) -> dict[str, Any]:
        document = _scheduling_content(scheduling)
        try:
            with self.dialect.transaction() as db:
                cursor = db.execute(
                    "UPDATE schedulings SET name = ?, dataflow_id = ?, document = ?, next_job_start_time = ?,"
                    " retry_at = NULL, retry_attempt = 0, updated = ? WHERE id = ? AND site = ?",
                    (
                        document["name"],
                        document["dataflowId"],
                        jsonio.dumps(document),
                        document.get("nextJobStartTime"),
                        iso(utc_now()),
                        document["id"],
                        site,
                    ),
                )
                if cursor.rowcount == 0:
                    raise LookupError(f"no scheduling with id '{document['id']}'")
        except self.dialect.integrity_error as clash:
            raise StoreError(f"a scheduling named '{document['name']}' exists already") from clash
        return self.get_scheduling(document["id"], site) or document

    def get_scheduling(self, scheduling_id: str, site: str | None = LOCAL_SITE) -> dict[str, Any] | None:
        clause, args = site_clause(site)
        row = self._one(
            f"SELECT * FROM schedulings WHERE (id = ? OR name = ?){clause} ORDER BY id = ? DESC",
            (scheduling_id, scheduling_id, *args, scheduling_id),
        )
        return _scheduling(row) if row else None

    def list_schedulings(self, site: str | None = LOCAL_SITE) -> list[dict[str, Any]]:
        clause, args = site_clause(site)
        return [
            _scheduling(row) for row in self._all(f"SELECT * FROM schedulings WHERE 1 = 1{clause} ORDER BY name", args)
        ]

    def delete_scheduling(self, scheduling_id: str, site: str = LOCAL_SITE) -> bool:
        with self.dialect.transaction() as db:
            row = db.execute(
                "SELECT id FROM schedulings WHERE (id = ? OR name = ?) AND site = ? ORDER BY id = ? DESC",
                (scheduling_id, scheduling_id, site, scheduling_id),
            ).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM schedulings WHERE id = ?", (row["id"],))
            return True

    def set_scheduling_times(
        self, scheduling_id: str, next_job_start_time: str | None, retry_at: str | None, retry_attempt: int
    ) -> None:
        with self.dialect.transaction() as db:
            self._set_times(db, scheduling_id, next_job_start_time, retry_at, retry_attempt)

    @staticmethod
    def _set_times(
        db: Connection, scheduling_id: str, next_start: str | None, retry_at: str | None, attempt: int
    ) -> None:
        db.execute(
            "UPDATE schedulings SET next_job_start_time = ?, retry_at = ?, retry_attempt = ?, updated = ? WHERE id = ?",
            (next_start, retry_at, attempt, iso(utc_now()), scheduling_id),
        )

    def set_retry(self, scheduling_id: str, retry_at: str | None, retry_attempt: int) -> None:
        with self.dialect.transaction() as db:
            db.execute(
                "UPDATE schedulings SET retry_at = ?, retry_attempt = ?, updated = ? WHERE id = ?",
                (retry_at, retry_attempt, iso(utc_now()), scheduling_id),
            )

    def claim_schedulings(self, claim: Claim, limit: int | None = None) -> list[dict[str, Any]]:
        """Take the schedulings ``claim`` says are due, at most ``limit``, each by exactly one scheduler.

        In one transaction: every site's schedulings with a slot or a retry are locked (rows another scheduler
        holds are skipped, not waited for); ``claim`` decides for each, earliest slot first, and its new times are
        stored. Returns the claimed schedulings as they were before the claim.
        """
        claimed: list[dict[str, Any]] = []
        with self.dialect.transaction() as db:
            rows = db.execute(
                "SELECT * FROM schedulings WHERE next_job_start_time IS NOT NULL OR retry_at IS NOT NULL"
                f" ORDER BY next_job_start_time, id{self.dialect.lock_skip}"
            ).fetchall()
            for row in rows:
                if limit is not None and len(claimed) >= limit:
                    break
                scheduling = _scheduling(row)
                times = claim(scheduling)
                if times is not None:
                    self._set_times(db, scheduling["id"], *times)
                    claimed.append(scheduling)
        return claimed


def _flow_name(document: dict[str, Any]) -> str:
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise StoreError("a dataflow needs a name to be stored")
    return name
