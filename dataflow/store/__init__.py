"""The state store: named dataflows (published and draft, versioned), schedulings, jobs, watermarks and the
connector state (facts a connector remembers about its destination between jobs).

One small interface (``Store``) with an embedded SQLite default under ``DATAFLOW_HOME``; a server database can
replace it by implementing the same methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol


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

    # jobs
    def start_job(self, job: dict[str, Any]) -> None: ...
    def finish_job(self, status: dict[str, Any]) -> None: ...
    def get_job(self, job_id: str) -> dict[str, Any] | None: ...
    def list_jobs(self, dataflow: str | None = None, limit: int = 50) -> list[dict[str, Any]]: ...
    def running_jobs(self) -> list[dict[str, Any]]: ...
    def request_kill(self, job_id: str) -> bool: ...
    def kill_requested(self, job_id: str) -> bool: ...
    def mark_failed(self, job_id: str, reason: str, end_time: str) -> None: ...
    def old_jobs(self, before: str) -> list[dict[str, Any]]: ...
    def forget_work_dir(self, job_id: str) -> None: ...

    # watermarks
    def get_watermark(self, dataflow_id: str) -> datetime | None: ...
    def set_watermark(self, dataflow_id: str, last_runtime: str, job_id: str) -> None: ...

    # connector state (dataflow.runtime.state): JSON values a connector keeps about its destination
    def get_state(self, scope: str, keys: list[str]) -> dict[str, Any]: ...
    def put_state(self, scope: str, items: dict[str, Any]) -> None: ...


def open_store(home: Path) -> Store:
    from dataflow.store.sqlite import SQLiteStore

    return SQLiteStore(home / "state.db")
