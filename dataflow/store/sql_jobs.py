"""Jobs, their leases, watermarks and connector state in the SQL store (both dialects): the part of the store a
running job talks to. Every write is one transaction; ``complete_job`` records a job's outcome and its watermark
together, only while the job still holds its lease.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dataflow import jsonio
from dataflow.clock import iso, utc_now
from dataflow.store import LOCAL_SITE, AlreadyRunning
from dataflow.store.dialects import Connection, Dialect
from dataflow.store.rows import job as _job

LEASE_SECONDS = 60.0
LEASE_LOST = "its lease ran out: the process running it stopped renewing it (killed, hung or cut off)"
_JOB_SERVER_FIELDS = ("apiKey", "owner", "killRequested", "leaseExpired")


def site_clause(site: str | None) -> tuple[str, tuple[Any, ...]]:
    return ("", ()) if site is None else (" AND site = ?", (site,))


class JobsMixin:
    dialect: Dialect  # provided by SQLStore

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]: ...
    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def start_job(self, job: dict[str, Any], lease_seconds: float = LEASE_SECONDS) -> None:
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
                    "INSERT INTO jobs (id, site, dataflow_id, dataflow_name, scheduling_id, status, start_time,"
                    " update_time, attempt_number, owner, work_dir, document, lease_expires)"
                    f" VALUES (?,?,?,?,?,'running',?,?,?,?,?,?, {self.dialect.now} + ?)",
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

    def complete_job(self, status: dict[str, Any], owner: str, watermark: bool = True) -> bool:
        with self.dialect.transaction() as db:
            if not self._finish(db, status, " AND owner = ? AND status = 'running'", (owner,)):
                return False
            if watermark and status["status"] == "succeeded":
                self._set_watermark(db, status["dataflowId"], status["startTime"], status["id"])
            return True

    def _running_job_of(self, dataflow_id: str) -> str | None:
        row = self._one("SELECT id FROM jobs WHERE dataflow_id = ? AND status = 'running'", (dataflow_id,))
        return row["id"] if row else None

    def finish_job(self, status: dict[str, Any]) -> None:
        with self.dialect.transaction() as db:
            self._finish(db, status)

    @staticmethod
    def _finish(db: Connection, status: dict[str, Any], condition: str = "", args: tuple[Any, ...] = ()) -> bool:
        cursor = db.execute(
            "UPDATE jobs SET status = ?, start_time = COALESCE(?, start_time), end_time = ?, update_time = ?,"
            f" error_file = ?, work_dir = ?, document = ?, progress = NULL WHERE id = ?{condition}",
            (
                status["status"],
                status.get("startTime"),
                status["endTime"],
                status["endTime"],
                status.get("errorFile"),
                status.get("workDir"),
                jsonio.dumps({k: v for k, v in status.items() if k not in _JOB_SERVER_FIELDS}),
                status["id"],
                *args,
            ),
        )
        return cursor.rowcount > 0

    def set_job_progress(self, job_id: str, counters: dict[str, dict[str, int]], update_time: str) -> None:
        with self.dialect.transaction() as db:
            db.execute(
                "UPDATE jobs SET progress = ?, update_time = ? WHERE id = ? AND status = 'running'",
                (jsonio.dumps(counters), update_time, job_id),
            )

    @property
    def _with_lease(self) -> str:
        return f"*, (status = 'running' AND lease_expires < {self.dialect.now}) AS lease_expired"

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        row = self._one(f"SELECT {self._with_lease} FROM jobs WHERE id = ?", (job_id,))
        return _job(row) if row else None

    def list_jobs(
        self, dataflow: str | None = None, limit: int = 50, site: str | None = LOCAL_SITE
    ) -> list[dict[str, Any]]:
        clause, args = site_clause(site)
        if dataflow is not None:
            clause += " AND (dataflow_id = ? OR dataflow_name = ?)"
            args = (*args, dataflow, dataflow)
        rows = self._all(f"SELECT * FROM jobs WHERE 1 = 1{clause} ORDER BY start_time DESC LIMIT ?", (*args, limit))
        return [_job(row) for row in rows]

    def running_jobs(self) -> list[dict[str, Any]]:
        return [_job(row) for row in self._all(f"SELECT {self._with_lease} FROM jobs WHERE status = 'running'")]

    def request_kill(self, job_id: str) -> bool:
        with self.dialect.transaction() as db:
            cursor = db.execute("UPDATE jobs SET kill_requested = 1 WHERE id = ? AND status = 'running'", (job_id,))
            return cursor.rowcount > 0

    def kill_requested(self, job_id: str) -> bool:
        row = self._one("SELECT kill_requested FROM jobs WHERE id = ?", (job_id,))
        return bool(row and row["kill_requested"])

    def mark_failed(self, job_id: str, reason: str, end_time: str) -> bool:
        with self.dialect.transaction() as db:
            return self._fail(db, job_id, reason, end_time)

    def _fail(self, db: Connection, job_id: str, reason: str, end_time: str) -> bool:
        row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None or row["status"] != "running":
            return False
        document = {**_job(row), "status": "failed", "endTime": end_time, "errorMessage": reason}
        return self._finish(db, document, " AND status = 'running'")

    def old_jobs(self, before: str) -> list[dict[str, Any]]:
        rows = self._all(
            "SELECT * FROM jobs WHERE status != 'running' AND start_time < ? AND work_dir IS NOT NULL", (before,)
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

    # connector state ------------------------------------------------------------------------------------------
    def get_state(self, scope: str, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self._all(f"SELECT key, value FROM connector_state WHERE scope = ? AND key IN ({marks})", (scope, *keys))
        return {row["key"]: jsonio.loads(row["value"]) for row in rows}

    def put_state(self, scope: str, items: dict[str, Any]) -> None:
        now = iso(utc_now())
        with self.dialect.transaction() as db:
            for key, value in items.items():
                if value is None:
                    db.execute("DELETE FROM connector_state WHERE scope = ? AND key = ?", (scope, key))
                    continue
                db.execute(
                    "INSERT INTO connector_state (scope, key, value, updated) VALUES (?,?,?,?)"
                    " ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
                    (scope, key, jsonio.dumps(value), now),
                )
