"""The state store in SQL, written once for every database: SQLite and PostgreSQL differ only in their dialect.

Guarantees that hold however many processes, on however many hosts, share one database:

- runs of one flow never overlap: a partial unique index allows one ``running`` job per dataflow;
- a running job holds a lease (``lease_expires``, on the database's clock) that its process renews while the job
  runs; once the lease has run out, the next process to start the flow marks the job failed and takes over;
- a job's outcome is recorded, and its watermark moved, only while it still holds its lease and only when it
  succeeded (``complete_job``: one transaction);
- a due scheduling slot is claimed by one scheduler: rows are locked while a scheduler decides
  (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite), and the claim moves the slot on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from dataflow import jsonio
from dataflow.clock import iso, utc_now
from dataflow.store import AlreadyRunning, StoredFlow, StoreError, Unchanged
from dataflow.store.dialects import Connection, Dialect
from dataflow.store.migrations import MIGRATIONS

_SERVER_FIELDS = ("id", "version", "status", "lastRuntime", "createTime", "updateTime")
LEASE_SECONDS = 60.0
LEASE_LOST = "its lease ran out: the process running it stopped renewing it (killed, hung or cut off)"

# What a scheduler decides about one scheduling: None leaves it; else its new (nextJobStartTime, retryAt, attempt).
Claim = Callable[[dict[str, Any]], tuple[str | None, str | None, int] | None]


class SQLStore:
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
    def save_flow(self, document: dict[str, Any], status: str = "published") -> StoredFlow:
        name = document.get("name")
        if not isinstance(name, str) or not name:
            raise StoreError("a dataflow needs a name to be stored")
        content = {k: v for k, v in document.items() if k not in _SERVER_FIELDS}
        now = iso(utc_now())
        with self.dialect.transaction() as db:
            row = db.execute(
                f"SELECT * FROM dataflows WHERE name = ? AND status = ?{self.dialect.lock_wait}",
                (name, status),
            ).fetchone()
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
            try:
                db.execute(
                    "INSERT INTO dataflows (id, name, status, version, document, created, updated)"
                    " VALUES (?,?,?,?,?,?,?)",
                    (flow_id, name, status, 1, jsonio.dumps(content), now, now),
                )
            except self.dialect.integrity_error as clash:
                raise StoreError(f"dataflow '{name}' ({status}) was saved by another process meanwhile") from clash
            return StoredFlow(flow_id, name, status, 1, content, now, now)

    def get_flow(self, name_or_id: str, status: str = "published") -> StoredFlow | None:
        row = self._one(
            "SELECT * FROM dataflows WHERE (name = ? OR id = ?) AND status = ?", (name_or_id, name_or_id, status)
        )
        return _flow(row) if row else None

    def list_flows(self) -> list[StoredFlow]:
        return [_flow(row) for row in self._all("SELECT * FROM dataflows ORDER BY name, status")]

    def delete_flow(self, name_or_id: str) -> bool:
        with self.dialect.transaction() as db:
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
            with self.dialect.transaction() as db:
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
        except self.dialect.integrity_error as clash:
            raise StoreError(f"a scheduling named '{document['name']}' exists already") from clash
        return self.get_scheduling(document["id"]) or document

    def get_scheduling(self, scheduling_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT * FROM schedulings WHERE id = ? OR name = ?", (scheduling_id, scheduling_id))
        return _scheduling(row) if row else None

    def list_schedulings(self) -> list[dict[str, Any]]:
        return [_scheduling(row) for row in self._all("SELECT * FROM schedulings ORDER BY name")]

    def delete_scheduling(self, scheduling_id: str) -> bool:
        with self.dialect.transaction() as db:
            cursor = db.execute("DELETE FROM schedulings WHERE id = ? OR name = ?", (scheduling_id, scheduling_id))
            return cursor.rowcount > 0

    def set_scheduling_times(
        self, scheduling_id: str, next_job_start_time: str | None, retry_at: str | None, retry_attempt: int
    ) -> None:
        with self.dialect.transaction() as db:
            db.execute(
                "UPDATE schedulings SET next_job_start_time = ?, retry_at = ?, retry_attempt = ?, updated = ?"
                " WHERE id = ?",
                (next_job_start_time, retry_at, retry_attempt, iso(utc_now()), scheduling_id),
            )

    def set_retry(self, scheduling_id: str, retry_at: str | None, retry_attempt: int) -> None:
        """Queue (or clear) a retry without touching the regular slot, which another scheduler may be moving."""
        with self.dialect.transaction() as db:
            db.execute(
                "UPDATE schedulings SET retry_at = ?, retry_attempt = ?, updated = ? WHERE id = ?",
                (retry_at, retry_attempt, iso(utc_now()), scheduling_id),
            )

    def claim_schedulings(self, claim: Claim, limit: int | None = None) -> list[dict[str, Any]]:
        """Take the schedulings ``claim`` says are due, at most ``limit``, each by exactly one scheduler.

        In one transaction: the schedulings with a slot or a retry are locked (rows another scheduler holds are
        skipped, not waited for); ``claim`` decides for each, in the order of their next slot, and its new times
        are stored. Returns the claimed schedulings as they were before the claim.
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
                if times is None:
                    continue
                next_start, retry_at, attempt = times
                db.execute(
                    "UPDATE schedulings SET next_job_start_time = ?, retry_at = ?, retry_attempt = ?, updated = ?"
                    " WHERE id = ?",
                    (next_start, retry_at, attempt, iso(utc_now()), scheduling["id"]),
                )
                claimed.append(scheduling)
        return claimed

    # jobs -----------------------------------------------------------------------------------------------------
    def start_job(self, job: dict[str, Any], lease_seconds: float = LEASE_SECONDS) -> None:
        """Record a running job holding the flow's lock for ``lease_seconds``; raises AlreadyRunning if it is held.

        A running job of the flow whose lease has run out is marked failed first: its process is gone.
        """
        now = iso(utc_now())
        try:
            with self.dialect.transaction() as db:
                running = db.execute(
                    f"SELECT id, lease_expires < {self.dialect.now} AS expired FROM jobs"
                    f" WHERE dataflow_id = ? AND status = 'running'{self.dialect.lock_wait}",
                    (job["dataflowId"],),
                ).fetchone()
                if running is not None:
                    if not running["expired"]:
                        raise AlreadyRunning(job["dataflowName"], running["id"])
                    self._fail(db, running["id"], LEASE_LOST, now)
                db.execute(
                    "INSERT INTO jobs (id, dataflow_id, dataflow_name, scheduling_id, status, start_time,"
                    f" attempt_number, owner, work_dir, lease_expires) VALUES (?,?,?,?,'running',?,?,?,?,"
                    f" {self.dialect.now} + ?)",
                    (
                        job["id"],
                        job["dataflowId"],
                        job["dataflowName"],
                        job.get("schedulingId"),
                        job["startTime"],
                        job["attemptNumber"],
                        job["owner"],
                        job.get("workDir"),
                        float(lease_seconds),
                    ),
                )
        except self.dialect.integrity_error as clash:
            running_id = self._running_job_of(job["dataflowId"])
            raise AlreadyRunning(job["dataflowName"], running_id or "?") from clash

    def renew_lease(self, job_id: str, owner: str, lease_seconds: float = LEASE_SECONDS) -> bool:
        """Extend a running job's lease; False when the job is no longer this owner's (taken over, or ended)."""
        with self.dialect.transaction() as db:
            cursor = db.execute(
                f"UPDATE jobs SET lease_expires = {self.dialect.now} + ?"
                " WHERE id = ? AND owner = ? AND status = 'running'",
                (float(lease_seconds), job_id, owner),
            )
            return cursor.rowcount > 0

    def complete_job(self, status: dict[str, Any], owner: str) -> bool:
        """Record a job's outcome, and on success its watermark, in one transaction, if ``owner`` still holds it."""
        with self.dialect.transaction() as db:
            cursor = db.execute(
                "UPDATE jobs SET status = ?, end_time = ?, error_file = ?, work_dir = ?, document = ?"
                " WHERE id = ? AND owner = ? AND status = 'running'",
                (*_outcome(status), status["id"], owner),
            )
            if cursor.rowcount == 0:
                return False
            if status["status"] == "succeeded":
                self._set_watermark(db, status["dataflowId"], status["startTime"], status["id"])
            return True

    def _running_job_of(self, dataflow_id: str) -> str | None:
        row = self._one("SELECT id FROM jobs WHERE dataflow_id = ? AND status = 'running'", (dataflow_id,))
        return row["id"] if row else None

    def finish_job(self, status: dict[str, Any]) -> None:
        with self.dialect.transaction() as db:
            db.execute(
                "UPDATE jobs SET status = ?, end_time = ?, error_file = ?, work_dir = ?, document = ? WHERE id = ?",
                (*_outcome(status), status["id"]),
            )

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        row = self._one(f"SELECT *, {self._expired} AS lease_expired FROM jobs WHERE id = ?", (job_id,))
        return _job(row) if row else None

    @property
    def _expired(self) -> str:
        return f"(status = 'running' AND lease_expires < {self.dialect.now})"

    def list_jobs(self, dataflow: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        columns = f"*, {self._expired} AS lease_expired"
        if dataflow is None:
            rows = self._all(f"SELECT {columns} FROM jobs ORDER BY start_time DESC LIMIT ?", (limit,))
        else:
            rows = self._all(
                f"SELECT {columns} FROM jobs WHERE dataflow_id = ? OR dataflow_name = ?"
                " ORDER BY start_time DESC LIMIT ?",
                (dataflow, dataflow, limit),
            )
        return [_job(row) for row in rows]

    def running_jobs(self) -> list[dict[str, Any]]:
        rows = self._all(f"SELECT *, {self._expired} AS lease_expired FROM jobs WHERE status = 'running'")
        return [_job(row) for row in rows]

    def request_kill(self, job_id: str) -> bool:
        with self.dialect.transaction() as db:
            cursor = db.execute("UPDATE jobs SET kill_requested = 1 WHERE id = ? AND status = 'running'", (job_id,))
            return cursor.rowcount > 0

    def kill_requested(self, job_id: str) -> bool:
        row = self._one("SELECT kill_requested FROM jobs WHERE id = ?", (job_id,))
        return bool(row and row["kill_requested"])

    def mark_failed(self, job_id: str, reason: str, end_time: str) -> bool:
        """Mark a running job failed (its process is gone); False when it was not running (someone else did)."""
        with self.dialect.transaction() as db:
            return self._fail(db, job_id, reason, end_time)

    def _fail(self, db: Connection, job_id: str, reason: str, end_time: str) -> bool:
        row = db.execute(f"SELECT *, {self._expired} AS lease_expired FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None or row["status"] != "running":
            return False
        document = {**_job(row), "status": "failed", "endTime": end_time, "errorMessage": reason}
        for server_side in ("owner", "killRequested", "leaseExpired"):
            document.pop(server_side, None)
        cursor = db.execute(
            "UPDATE jobs SET status = ?, end_time = ?, error_file = ?, work_dir = ?, document = ?"
            " WHERE id = ? AND status = 'running'",
            (*_outcome(document), job_id),
        )
        return cursor.rowcount > 0

    def old_jobs(self, before: str) -> list[dict[str, Any]]:
        rows = self._all(
            f"SELECT *, {self._expired} AS lease_expired FROM jobs"
            " WHERE status != 'running' AND start_time < ? AND work_dir IS NOT NULL",
            (before,),
        )
        return [_job(row) for row in rows]

    def forget_work_dir(self, job_id: str) -> None:
        with self.dialect.transaction() as db:
            db.execute("UPDATE jobs SET work_dir = NULL, error_file = NULL WHERE id = ?", (job_id,))

    # watermarks -----------------------------------------------------------------------------------------------
    def get_watermark(self, dataflow_id: str) -> datetime | None:
        row = self._one("SELECT last_runtime FROM watermarks WHERE dataflow_id = ?", (dataflow_id,))
        return datetime.fromisoformat(row["last_runtime"]) if row else None

    def set_watermark(self, dataflow_id: str, last_runtime: str, job_id: str) -> None:
        with self.dialect.transaction() as db:
            self._set_watermark(db, dataflow_id, last_runtime, job_id)

    @staticmethod
    def _set_watermark(db: Connection, dataflow_id: str, last_runtime: str, job_id: str) -> None:
        db.execute(
            "INSERT INTO watermarks (dataflow_id, last_runtime, job_id) VALUES (?,?,?)"
            " ON CONFLICT (dataflow_id) DO UPDATE SET last_runtime = excluded.last_runtime, job_id = excluded.job_id",
            (dataflow_id, last_runtime, job_id),
        )


def _outcome(status: dict[str, Any]) -> tuple[Any, ...]:
    return (status["status"], status["endTime"], status.get("errorFile"), status.get("workDir"), jsonio.dumps(status))


def _flow(row: Mapping[str, Any]) -> StoredFlow:
    document = jsonio.loads(row["document"])
    return StoredFlow(row["id"], row["name"], row["status"], row["version"], document, row["created"], row["updated"])


def _scheduling(row: Mapping[str, Any]) -> dict[str, Any]:
    document = jsonio.loads(row["document"])
    document.update(
        {
            "nextJobStartTime": row["next_job_start_time"],
            "retryAt": row["retry_at"],
            "retryAttempt": row["retry_attempt"],
        }
    )
    return document


def _job(row: Mapping[str, Any]) -> dict[str, Any]:
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
            "leaseExpired": bool(row["lease_expired"]),
        }
    )
    return document
