"""SQLite implementation of the state store: one file, WAL mode, safe for several processes on one machine.

Runs of one flow never overlap: a partial unique index allows one ``running`` job per dataflow, so two
``dataflow run`` processes racing for the same flow cannot both start, whatever their timing.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from dataflow import jsonio
from dataflow.clock import iso, utc_now
from dataflow.store import LOCAL_SITE, AlreadyRunning, FlowExists, StoredFlow, StoreError, Unchanged, flow_content
from dataflow.store.migrations import MIGRATIONS
from dataflow.store.sqlite_rows import flow as _flow
from dataflow.store.sqlite_rows import job as _job
from dataflow.store.sqlite_rows import scheduling as _scheduling
from dataflow.store.sqlite_rows import scheduling_content as _scheduling_content
from dataflow.store.sqlite_search import SearchMixin
from dataflow.store.sqlite_sites import SitesMixin


def _site_clause(site: str | None) -> tuple[str, tuple[Any, ...]]:
    return ("", ()) if site is None else (" AND site = ?", (site,))


class SQLiteStore(SitesMixin, SearchMixin):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # it holds the sites' secrets: readable by its owner only (SQLite's -wal follows)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        self.path = path
        self._local = threading.local()
        self._migrate()

    # connection -------------------------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _migrate(self) -> None:
        with self._transaction() as db:
            current = db.execute("PRAGMA user_version").fetchone()[0]
            if current > len(MIGRATIONS):
                raise StoreError(f"{self.path} was written by a newer release (schema {current})")
            for version in range(current, len(MIGRATIONS)):
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {version + 1}")

    @property
    def schema_version(self) -> int:
        return int(self._connection().execute("PRAGMA user_version").fetchone()[0])

    # dataflows ------------------------------------------------------------------------------------------------
    def save_flow(self, document: dict[str, Any], status: str = "published", site: str = LOCAL_SITE) -> StoredFlow:
        name = _flow_name(document)
        with self._transaction() as db:
            row = db.execute(
                "SELECT * FROM dataflows WHERE site = ? AND name = ? AND status = ?", (site, name, status)
            ).fetchone()
            if row is not None:
                return self._update_flow(db, row, document)
            return self._insert_flow(db, document, status, site)

    def create_flow(self, document: dict[str, Any], status: str, site: str) -> StoredFlow:
        name = _flow_name(document)
        with self._transaction() as db:
            taken = db.execute(
                "SELECT id FROM dataflows WHERE site = ? AND name = ? AND status = ?", (site, name, status)
            ).fetchone()
            if taken is not None:
                raise FlowExists(f"a {status} dataflow named '{name}' exists already (id {taken['id']})")
            return self._insert_flow(db, document, status, site)

    def replace_flow(self, flow_id: str, document: dict[str, Any], status: str, site: str) -> StoredFlow:
        name = _flow_name(document)
        with self._transaction() as db:
            rows = db.execute("SELECT * FROM dataflows WHERE id = ? AND site = ?", (flow_id, site)).fetchall()
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

    def _update_flow(self, db: sqlite3.Connection, row: sqlite3.Row, document: dict[str, Any]) -> StoredFlow:
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
        self, db: sqlite3.Connection, document: dict[str, Any], status: str, site: str, flow_id: str | None = None
    ) -> StoredFlow:
        name = _flow_name(document)
        content = flow_content(document)
        now = iso(utc_now())
        if flow_id is None:
            other = db.execute("SELECT id FROM dataflows WHERE site = ? AND name = ?", (site, name)).fetchone()
            flow_id = other["id"] if other else uuid.uuid4().hex
        db.execute(
            "INSERT INTO dataflows (id, site, name, status, version, document, created, updated)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (flow_id, site, name, status, 1, jsonio.dumps(content), now, now),
        )
        return StoredFlow(flow_id, name, status, 1, content, now, now, site)

    def get_flow(self, name_or_id: str, status: str = "published", site: str | None = LOCAL_SITE) -> StoredFlow | None:
        clause, args = _site_clause(site)
        row = (
            self._connection()
            .execute(
                f"SELECT * FROM dataflows WHERE (id = ? OR name = ?) AND status = ?{clause} ORDER BY id = ? DESC",
                (name_or_id, name_or_id, status, *args, name_or_id),
            )
            .fetchone()
        )
        return _flow(row) if row else None

    def list_flows(self, site: str | None = LOCAL_SITE) -> list[StoredFlow]:
        clause, args = _site_clause(site)
        rows = (
            self._connection()
            .execute(f"SELECT * FROM dataflows WHERE 1 = 1{clause} ORDER BY name, status", args)
            .fetchall()
        )
        return [_flow(row) for row in rows]

    def delete_flow(self, name_or_id: str, site: str = LOCAL_SITE) -> bool:
        with self._transaction() as db:
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
            with self._transaction() as db:
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
        except sqlite3.IntegrityError as clash:
            raise StoreError(f"a scheduling named '{document['name']}' exists already") from clash
        return self.get_scheduling(document["id"], site) or document

    def replace_scheduling(self, scheduling: dict[str, Any], site: str) -> dict[str, Any]:
        document = _scheduling_content(scheduling)
        try:
            with self._transaction() as db:
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
        except sqlite3.IntegrityError as clash:
            raise StoreError(f"a scheduling named '{document['name']}' exists already") from clash
        return self.get_scheduling(document["id"], site) or document

    def get_scheduling(self, scheduling_id: str, site: str | None = LOCAL_SITE) -> dict[str, Any] | None:
        clause, args = _site_clause(site)
        row = (
            self._connection()
            .execute(
                f"SELECT * FROM schedulings WHERE (id = ? OR name = ?){clause} ORDER BY id = ? DESC",
                (scheduling_id, scheduling_id, *args, scheduling_id),
            )
            .fetchone()
        )
        return _scheduling(row) if row else None

    def list_schedulings(self, site: str | None = LOCAL_SITE) -> list[dict[str, Any]]:
        clause, args = _site_clause(site)
        rows = self._connection().execute(f"SELECT * FROM schedulings WHERE 1 = 1{clause} ORDER BY name", args)
        return [_scheduling(row) for row in rows.fetchall()]

    def delete_scheduling(self, scheduling_id: str, site: str = LOCAL_SITE) -> bool:
        with self._transaction() as db:
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
        with self._transaction() as db:
            db.execute(
                "UPDATE schedulings SET next_job_start_time = ?, retry_at = ?, retry_attempt = ?, updated = ?"
                " WHERE id = ?",
                (next_job_start_time, retry_at, retry_attempt, iso(utc_now()), scheduling_id),
            )

    # jobs -----------------------------------------------------------------------------------------------------
    def start_job(self, job: dict[str, Any]) -> None:
        try:
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO jobs (id, site, dataflow_id, dataflow_name, scheduling_id, status, start_time,"
                    " update_time, attempt_number, owner, work_dir, document) VALUES (?,?,?,?,?,'running',?,?,?,?,?,?)",
                    (
                        job["id"],
                        job.get("apiKey") or LOCAL_SITE,
                        job["dataflowId"],
                        job["dataflowName"],
                        job.get("schedulingId"),
                        job["startTime"],
                        job["startTime"],
                        job["attemptNumber"],
                        job["owner"],
                        job.get("workDir"),
                        jsonio.dumps({k: v for k, v in job.items() if k not in ("apiKey", "owner")}),
                    ),
                )
        except sqlite3.IntegrityError as clash:
            running = self._running_job_of(job["dataflowId"])
            raise AlreadyRunning(job["dataflowName"], running or "?") from clash

    def _running_job_of(self, dataflow_id: str) -> str | None:
        row = (
            self._connection()
            .execute("SELECT id FROM jobs WHERE dataflow_id = ? AND status = 'running'", (dataflow_id,))
            .fetchone()
        )
        return row["id"] if row else None

    def finish_job(self, status: dict[str, Any]) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET status = ?, start_time = COALESCE(?, start_time), end_time = ?, update_time = ?,"
                " error_file = ?, work_dir = ?, document = ?, progress = NULL WHERE id = ?",
                (
                    status["status"],
                    status.get("startTime"),
                    status["endTime"],
                    status["endTime"],
                    status.get("errorFile"),
                    status.get("workDir"),
                    jsonio.dumps({k: v for k, v in status.items() if k not in ("apiKey", "owner", "killRequested")}),
                    status["id"],
                ),
            )

    def set_job_progress(self, job_id: str, counters: dict[str, dict[str, int]], update_time: str) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET progress = ?, update_time = ? WHERE id = ? AND status = 'running'",
                (jsonio.dumps(counters), update_time, job_id),
            )

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        row = self._connection().execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def list_jobs(
        self, dataflow: str | None = None, limit: int = 50, site: str | None = LOCAL_SITE
    ) -> list[dict[str, Any]]:
        clause, args = _site_clause(site)
        if dataflow is not None:
            clause += " AND (dataflow_id = ? OR dataflow_name = ?)"
            args = (*args, dataflow, dataflow)
        rows = self._connection().execute(
            f"SELECT * FROM jobs WHERE 1 = 1{clause} ORDER BY start_time DESC LIMIT ?", (*args, limit)
        )
        return [_job(row) for row in rows.fetchall()]

    def running_jobs(self) -> list[dict[str, Any]]:
        rows = self._connection().execute("SELECT * FROM jobs WHERE status = 'running'").fetchall()
        return [_job(row) for row in rows]

    def request_kill(self, job_id: str) -> bool:
        with self._transaction() as db:
            cursor = db.execute("UPDATE jobs SET kill_requested = 1 WHERE id = ? AND status = 'running'", (job_id,))
            return cursor.rowcount > 0

    def kill_requested(self, job_id: str) -> bool:
        row = self._connection().execute("SELECT kill_requested FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return bool(row and row["kill_requested"])

    def mark_failed(self, job_id: str, reason: str, end_time: str) -> None:
        job = self.get_job(job_id)
        if job is None:
            return
        document = {**job, "status": "failed", "endTime": end_time, "errorMessage": reason}
        document.pop("owner", None)
        document.pop("killRequested", None)
        self.finish_job(document)

    def old_jobs(self, before: str) -> list[dict[str, Any]]:
        rows = (
            self._connection()
            .execute(
                "SELECT * FROM jobs WHERE status != 'running' AND start_time < ? AND work_dir IS NOT NULL", (before,)
            )
            .fetchall()
        )
        return [_job(row) for row in rows]

    def forget_work_dir(self, job_id: str) -> None:
        with self._transaction() as db:
            db.execute("UPDATE jobs SET work_dir = NULL, error_file = NULL WHERE id = ?", (job_id,))

    # watermarks -----------------------------------------------------------------------------------------------
    def get_watermark(self, dataflow_id: str) -> datetime | None:
        row = (
            self._connection()
            .execute("SELECT last_runtime FROM watermarks WHERE dataflow_id = ?", (dataflow_id,))
            .fetchone()
        )
        return datetime.fromisoformat(row["last_runtime"]) if row else None

    def set_watermark(self, dataflow_id: str, last_runtime: str, job_id: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO watermarks (dataflow_id, last_runtime, job_id) VALUES (?,?,?)"
                " ON CONFLICT (dataflow_id) DO UPDATE"
                " SET last_runtime = excluded.last_runtime, job_id = excluded.job_id",
                (dataflow_id, last_runtime, job_id),
            )

    # connector state ------------------------------------------------------------------------------------------
    def get_state(self, scope: str, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = (
            self._connection()
            .execute(f"SELECT key, value FROM connector_state WHERE scope = ? AND key IN ({marks})", (scope, *keys))
            .fetchall()
        )
        return {row["key"]: jsonio.loads(row["value"]) for row in rows}

    def put_state(self, scope: str, items: dict[str, Any]) -> None:
        now = iso(utc_now())
        with self._transaction() as db:
            for key, value in items.items():
                if value is None:
                    db.execute("DELETE FROM connector_state WHERE scope = ? AND key = ?", (scope, key))
                    continue
                db.execute(
                    "INSERT INTO connector_state (scope, key, value, updated) VALUES (?,?,?,?)"
                    " ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
                    (scope, key, jsonio.dumps(value), now),
                )


def _flow_name(document: dict[str, Any]) -> str:
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise StoreError("a dataflow needs a name to be stored")
    return name
