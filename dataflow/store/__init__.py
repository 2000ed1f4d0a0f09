"""The state store: named dataflows (published and draft, versioned), schedulings, jobs and watermarks.

One small interface (``Store``), one SQL implementation of it (``sql.py``) and two dialects: an embedded SQLite
file under ``DATAFLOW_HOME`` by default, or a PostgreSQL server that schedulers on several hosts share
(``DATAFLOW_STORE=postgresql://...`` or ``store:`` in config.yaml).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class StoreError(Exception):
    """A request the store refuses (the message says why, for the operator)."""


class Unchanged(StoreError):
    """Saving a dataflow identical to the stored version (IdentitySync's 403200 "Redundant Operation")."""


class AlreadyRunning(StoreError):
    """A job of this dataflow is running: runs of one flow never overlap."""

    def __init__(self, dataflow_name: str, job_id: str) -> None:
        super().__init__(f"dataflow '{dataflow_name}' is already running (job {job_id}); not starting another run")
        self.job_id = job_id


@dataclass(frozen=True)
class StoredFlow:
    id: str
    name: str
    status: str  # published | draft
    version: int
    document: dict[str, Any]
    created: str
    updated: str


class Store(Protocol):
    shared: bool  # processes on other hosts may share it: a job's owner is judged by its lease, not its pid

    # dataflows
    def save_flow(self, document: dict[str, Any], status: str = "published") -> StoredFlow: ...
    def get_flow(self, name_or_id: str, status: str = "published") -> StoredFlow | None: ...
    def list_flows(self) -> list[StoredFlow]: ...
    def delete_flow(self, name_or_id: str) -> bool: ...

    # schedulings
    def add_scheduling(self, scheduling: dict[str, Any]) -> dict[str, Any]: ...
    def get_scheduling(self, scheduling_id: str) -> dict[str, Any] | None: ...
    def list_schedulings(self) -> list[dict[str, Any]]: ...
    def delete_scheduling(self, scheduling_id: str) -> bool: ...
    def set_scheduling_times(
        self, scheduling_id: str, next_job_start_time: str | None, retry_at: str | None, retry_attempt: int
    ) -> None: ...
    def set_retry(self, scheduling_id: str, retry_at: str | None, retry_attempt: int) -> None: ...
    def claim_schedulings(
        self,
        claim: Callable[[dict[str, Any]], tuple[str | None, str | None, int] | None],
        limit: int | None = None,
    ) -> list[dict[str, Any]]: ...

    # jobs
    def start_job(self, job: dict[str, Any], lease_seconds: float = ...) -> None: ...
    def renew_lease(self, job_id: str, owner: str, lease_seconds: float = ...) -> bool: ...
    def complete_job(self, status: dict[str, Any], owner: str) -> bool: ...
    def finish_job(self, status: dict[str, Any]) -> None: ...
    def get_job(self, job_id: str) -> dict[str, Any] | None: ...
    def list_jobs(self, dataflow: str | None = None, limit: int = 50) -> list[dict[str, Any]]: ...
    def running_jobs(self) -> list[dict[str, Any]]: ...
    def request_kill(self, job_id: str) -> bool: ...
    def kill_requested(self, job_id: str) -> bool: ...
    def mark_failed(self, job_id: str, reason: str, end_time: str) -> bool: ...
    def old_jobs(self, before: str) -> list[dict[str, Any]]: ...
    def forget_work_dir(self, job_id: str) -> None: ...

    # watermarks
    def get_watermark(self, dataflow_id: str) -> datetime | None: ...
    def set_watermark(self, dataflow_id: str, last_runtime: str, job_id: str) -> None: ...


def open_store(home: Path, url: str | None = None) -> Store:
    """The store at ``url`` (a PostgreSQL URL), else the SQLite file ``home/state.db``."""
    if url and url.startswith(POSTGRES_SCHEMES):
        from dataflow.store.postgresql import PostgresStore

        return PostgresStore(url)
    if url:
        raise StoreError(f"unsupported store '{url.split(':', 1)[0]}': use a postgresql:// URL, or none for SQLite")
    from dataflow.store.sqlite import SQLiteStore

    return SQLiteStore(home / "state.db")
