"""SQLite implementation of the state store: one file, WAL mode, safe for several processes on one machine.

Runs of one flow never overlap: a partial unique index allows one ``running`` job per dataflow, so two
``dataflow run`` processes racing for the same flow cannot both start, whatever their timing.
"""

from __future__ import annotations

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
from dataflow.store import AlreadyRunning, StoredFlow, StoreError, Unchanged
from dataflow.store.migrations import MIGRATIONS

_SERVER_FIELDS = ("id", "version", "status", "lastRuntime", "createTime", "updateTime")


class SQLiteStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
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
    def save_flow(self, document: dict[str, Any], status: str = "published") -> StoredFlow:
        name = document.get("name")
        if not isinstance(name, str) or not name:
            raise StoreError("a dataflow needs a name to be stored")
        content = {k: v for k, v in document.items() if k not in _SERVER_FIELDS}
        now = iso(utc_now())
        with self._transaction() as db:
            row = db.execute("SELECT * FROM dataflows WHERE name = ? AND status = ?", (name, status)).fetchone()
            if row is not None:
                if jsonio.loads(row["document"]) == content:
                    raise Unchanged(f"dataflow '{name}' ({status}) has not changed; still version {row['version']}")
                version = row["version"] + 1
                db.execute(
                    "UPDATE dataflows SET document = ?, version = ?, updated = ? WHERE id = ? AND status = ?",
                    (jsonio.dumps(content), version, now, row["id"], status),
                )
                return StoredFlow(row["id"], name, status, version, content, row["created"], now)
            other = db.execute("SELECT id FROM dataflows WHERE name = ?", (name,)).fetchone()
            flow_id = other["id"] if other else uuid.uuid4().hex
            db.execute(
                "INSERT INTO dataflows (id, name, status, version, document, created, updated) VALUES (?,?,?,?,?,?,?)",
                (flow_id, name, status, 1, jsonio.dumps(content), now, now),
            )
            return StoredFlow(flow_id, name, status, 1, content, now, now)

    def get_flow(self, name_or_id: str, status: str = "published") -> StoredFlow | None:
        row = (
            self._connection()
            .execute(
                "SELECT * FROM dataflows WHERE (name = ? OR id = ?) AND status = ?", (name_or_id, name_or_id, status)
            )
            .fetchone()
        )
        return _flow(row) if row else None

    def list_flows(self) -> list[StoredFlow]:
        rows = self._connection().execute("SELECT * FROM dataflows ORDER BY name, status").fetchall()
        return [_flow(row) for row in rows]

    def delete_flow(self, name_or_id: str) -> bool:
        with self._transaction() as db:
            row = db.execute("SELECT id FROM dataflows WHERE name = ? OR id = ?", (name_or_id, name_or_id)).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM dataflows WHERE id = ?", (row["id"],))
            db.execute("DELETE FROM schedulings WHERE dataflow_id = ?", (row["id"],))
            db.execute("DELETE FROM watermarks WHERE dataflow_id = ?", (row["id"],))
            return True

    # schedulings ----------------------------------------------------------------------------------------------
    def add_scheduling(self, scheduling: dict[str, Any]) -> dict[str, Any]:
        now = iso(utc_now())
        document = {**scheduling, "id": scheduling.get("id") or uuid.uuid4().hex}
        try:
            with self._transaction() as db:
                db.execute(
                    "INSERT INTO schedulings (id, name, dataflow_id, document, next_job_start_time, created, updated)"
                    " VALUES (?,?,?,?,?,?,?)",
                    (
                        document["id"],
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
        return self.get_scheduling(document["id"]) or document

    def get_scheduling(self, scheduling_id: str) -> dict[str, Any] | None:
        row = (
            self._connection()
            .execute("SELECT * FROM schedulings WHERE id = ? OR name = ?", (scheduling_id, scheduling_id))
            .fetchone()
        )
        return _scheduling(row) if row else None

    def list_schedulings(self) -> list[dict[str, Any]]:
        rows = self._connection().execute("SELECT * FROM schedulings ORDER BY name").fetchall()
        return [_scheduling(row) for row in rows]

    def delete_scheduling(self, scheduling_id: str) -> bool:
        with self._transaction() as db:
            cursor = db.execute("DELETE FROM schedulings WHERE id = ? OR name = ?", (scheduling_id, scheduling_id))
            return cursor.rowcount > 0

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
                    "INSERT INTO jobs (id, dataflow_id, dataflow_name, scheduling_id, status, start_time,"
                    " attempt_number, owner, work_dir) VALUES (?,?,?,?,'running',?,?,?,?)",
                    (
                        job["id"],
                        job["dataflowId"],
                        job["dataflowName"],
                        job.get("schedulingId"),
                        job["startTime"],
                        job["attemptNumber"],
                        job["owner"],
                        job.get("workDir"),
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
                "UPDATE jobs SET status = ?, end_time = ?, error_file = ?, work_dir = ?, document = ? WHERE id = ?",
                (
                    status["status"],
                    status["endTime"],
                    status.get("errorFile"),
                    status.get("workDir"),
                    jsonio.dumps(status),
                    status["id"],
                ),
            )

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        row = self._connection().execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def list_jobs(self, dataflow: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        db = self._connection()
        if dataflow is None:
            rows = db.execute("SELECT * FROM jobs ORDER BY start_time DESC LIMIT ?", (limit,)).fetchall()
        else:
            rows = db.execute(
                "SELECT * FROM jobs WHERE dataflow_id = ? OR dataflow_name = ? ORDER BY start_time DESC LIMIT ?",
                (dataflow, dataflow, limit),
            ).fetchall()
        return [_job(row) for row in rows]

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


def _flow(row: sqlite3.Row) -> StoredFlow:
    document = jsonio.loads(row["document"])
    return StoredFlow(row["id"], row["name"], row["status"], row["version"], document, row["created"], row["updated"])


def _scheduling(row: sqlite3.Row) -> dict[str, Any]:
    document = jsonio.loads(row["document"])
    document.update(
        {
            "nextJobStartTime": row["next_job_start_time"],
            "retryAt": row["retry_at"],
            "retryAttempt": row["retry_attempt"],
        }
    )
    return document


def _job(row: sqlite3.Row) -> dict[str, Any]:
    document = jsonio.loads(row["document"]) if row["document"] else {}
    document.update(
        {
            "id": row["id"],
            "dataflowId": row["dataflow_id"],
            "dataflowName": row["dataflow_name"],
            "schedulingId": row["scheduling_id"],
            "status": row["status"],
            "startTime": row["start_time"],
            "endTime": row["end_time"],
            "attemptNumber": row["attempt_number"],
            "owner": row["owner"],
            "killRequested": bool(row["kill_requested"]),
            "workDir": row["work_dir"],
            "errorFile": row["error_file"],
        }
    )
    return document
