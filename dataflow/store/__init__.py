"""The state store: named dataflows (published and draft, versioned), schedulings, jobs, watermarks, sites and
the connector state (facts a connector remembers about its destination between jobs).

One small interface (``Store``), one SQL implementation of it (``sql.py``) and two dialects: an embedded SQLite
file under ``DATAFLOW_HOME`` by default, or a PostgreSQL server that schedulers and servers on several hosts share
(``DATAFLOW_STORE=postgresql://...`` or ``store:`` in config.yaml).

Every flow, scheduling and job belongs to a **site** (an IdentitySync apiKey): ``dataflow serve`` shows each site
only its own. The command line works on the site ``local`` (``LOCAL_SITE``); methods that take ``site=None``
look across every site (the scheduler serves all of them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

LOCAL_SITE = "local"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")

# Search fields each backend can filter (equality) and order on in SQL, per idx.search table: field -> column.
# Anything else in a query is evaluated by the server over the rows returned.
SEARCH_COLUMNS: dict[str, dict[str, str]] = {
    "dataflow": {"id": "id", "name": "name", "version": "version", "createTime": "created", "updateTime": "updated"},
    "scheduling": {
        "id": "id",
        "name": "name",
        "dataflowId": "dataflow_id",
        "nextJobStartTime": "next_job_start_time",
        "createTime": "created",
        "updateTime": "updated",
    },
    "idx_job_status": {
        "id": "id",
        "dataflowId": "dataflow_id",
        "dataflowName": "dataflow_name",
        "schedulingId": "scheduling_id",
        "status": "status",
        "startTime": "start_time",
        "endTime": "end_time",
        "updateTime": "update_time",
        "attemptNumber": "attempt_number",
    },
}
SEARCH_COLUMNS["dataflow_draft"] = SEARCH_COLUMNS["dataflow"]


# Fields of a dataflow object the server manages; they are not part of a version's content.
SERVER_FIELDS = ("id", "version", "status", "lastRuntime", "createTime", "updateTime", "apiKey", "siteId")


def flow_content(document: dict[str, Any]) -> dict[str, Any]:
    """What a dataflow's version is made of: the document without the fields the server manages."""
    return {k: v for k, v in document.items() if k not in SERVER_FIELDS}


class StoreError(Exception):
    """A request the store refuses (the message says why, for the operator)."""


class Unchanged(StoreError):
    """Saving a dataflow identical to the stored version (IdentitySync's 403200 "Redundant Operation")."""


class FlowExists(StoreError):
    """Creating a dataflow under a name the site already uses (Gigya's 400003 "Unique identifier exists")."""


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
    site: str = LOCAL_SITE


@dataclass(frozen=True)
class Site:
    api_key: str
    name: str
    created: str
    user_keys: tuple[str, ...] = ()


class Store(Protocol):
    shared: bool  # processes on other hosts may share it: a job's owner is judged by its lease, not its pid
    location: str  # where it is (a file path or a URL), for processes that open it again (Dask workers)

    # dataflows
    def save_flow(self, document: dict[str, Any], status: str = "published", site: str = LOCAL_SITE) -> StoredFlow:
        """Save by name: a new version of the site's flow of that name and status, or a new flow (the CLI's add)."""
        ...

    def create_flow(self, document: dict[str, Any], status: str, site: str) -> StoredFlow:
        """A new flow (version 1) under a fresh id; raises FlowExists when the site has that name in ``status``.

        A draft created for a name that exists only as published (or the reverse) shares that flow's id.
        """
        ...

    def replace_flow(self, flow_id: str, document: dict[str, Any], status: str, site: str) -> StoredFlow:
        """Full replace of the site's flow ``flow_id`` in ``status`` (idx.setDataflow): version + 1, the name may
        change. Creates the ``status`` row when only the other status exists (a first draft of a published flow).
        Raises LookupError for an id the site does not have, Unchanged when nothing changed, FlowExists when the
        new name belongs to another flow of the site."""
        ...

    def get_flow(self, name_or_id: str, status: str = "published", site: str | None = LOCAL_SITE) -> StoredFlow | None:
        """By name or id within ``site``; ``site=None`` looks in every site (ids are unique across sites)."""
        ...

    def list_flows(self, site: str | None = LOCAL_SITE) -> list[StoredFlow]: ...
    def delete_flow(self, name_or_id: str, site: str = LOCAL_SITE) -> bool:
        """Removes the flow in both statuses with its schedulings and watermark."""
        ...

    # schedulings (documents carry the owning site as ``apiKey``)
    def add_scheduling(self, scheduling: dict[str, Any], site: str = LOCAL_SITE) -> dict[str, Any]: ...
    def get_scheduling(self, scheduling_id: str, site: str | None = LOCAL_SITE) -> dict[str, Any] | None:
        """By id or name within ``site``; ``site=None`` looks in every site."""
        ...

    def list_schedulings(self, site: str | None = LOCAL_SITE) -> list[dict[str, Any]]: ...
    def delete_scheduling(self, scheduling_id: str, site: str = LOCAL_SITE) -> bool: ...
    def replace_scheduling(self, scheduling: dict[str, Any], site: str) -> dict[str, Any]:
        """Full replace of the site's scheduling ``scheduling['id']`` (idx.setScheduling); a pending retry is
        dropped and ``nextJobStartTime`` is taken from the document. Raises LookupError for an unknown id and
        StoreError for a name another scheduling of the site holds."""
        ...

    def set_scheduling_times(
        self, scheduling_id: str, next_job_start_time: str | None, retry_at: str | None, retry_attempt: int
    ) -> None: ...
    def set_retry(self, scheduling_id: str, retry_at: str | None, retry_attempt: int) -> None:
        """Queue (or clear) a retry without touching the regular slot, which another scheduler may be moving."""
        ...

    def claim_schedulings(
        self,
        claim: Callable[[dict[str, Any]], tuple[str | None, str | None, int] | None],
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Every site's schedulings ``claim`` takes (it returns their new nextJobStartTime, retryAt, retryAttempt),
        at most ``limit``, each taken by exactly one of the schedulers sharing the store; as they were before."""
        ...

    # jobs (``job['apiKey']`` names the site on start_job; documents carry it back)
    def start_job(self, job: dict[str, Any], lease_seconds: float = ...) -> None:
        """A running job holding the flow's lock for a lease; a running job whose lease ran out is marked failed
        first. Raises AlreadyRunning while another job of the flow holds its lease."""
        ...

    def renew_lease(self, job_id: str, owner: str, lease_seconds: float = ...) -> bool: ...
    def complete_job(self, status: dict[str, Any], owner: str, watermark: bool = True) -> bool:
        """Records the outcome (and on success, with ``watermark``, the watermark) in one transaction, only while
        ``owner`` still holds the job; False when it does not (its lease was taken over)."""
        ...

    def finish_job(self, status: dict[str, Any]) -> None: ...
    def set_job_progress(self, job_id: str, counters: dict[str, dict[str, int]], update_time: str) -> None:
        """The live per-step counters of a running job (shown while it runs, replaced by the final status)."""
        ...

    def get_job(self, job_id: str) -> dict[str, Any] | None: ...
    def list_jobs(
        self, dataflow: str | None = None, limit: int = 50, site: str | None = LOCAL_SITE
    ) -> list[dict[str, Any]]: ...
    def running_jobs(self) -> list[dict[str, Any]]: ...
    def request_kill(self, job_id: str) -> bool: ...
    def kill_requested(self, job_id: str) -> bool: ...
    def mark_failed(self, job_id: str, reason: str, end_time: str) -> bool:
        """Marks a running job failed; False when it was not running (another process did it first)."""
        ...

    def old_jobs(self, before: str) -> list[dict[str, Any]]: ...
    def forget_work_dir(self, job_id: str) -> None: ...

    # watermarks
    def get_watermark(self, dataflow_id: str) -> datetime | None: ...
    def set_watermark(self, dataflow_id: str, last_runtime: str, job_id: str) -> None: ...

    # sites and their keys (the secret is kept as given: HMAC signatures can only be checked with it)
    def add_site(self, api_key: str, name: str) -> Site:
        """Registers a site; raises StoreError when the apiKey is taken."""
        ...

    def get_site(self, api_key: str) -> Site | None: ...
    def list_sites(self) -> list[Site]: ...
    def delete_site(self, api_key: str) -> bool:
        """Removes the site and its keys (its flows, schedulings and jobs stay, unreachable over the API)."""
        ...

    def add_site_key(self, api_key: str, user_key: str, secret: str) -> None:
        """Adds (or replaces) a userKey and its secret; raises LookupError for an unknown site."""
        ...

    def site_secret(self, api_key: str, user_key: str) -> str | None:
        """The secret of ``user_key`` on ``api_key``, or None when the site has no such key."""
        ...

    # idx.search
    def search(
        self,
        table: str,
        site: str,
        equals: dict[str, Any] | None = None,
        order_by: list[tuple[str, bool]] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Documents of one idx.search table (``dataflow``, ``dataflow_draft``, ``scheduling``,
        ``idx_job_status``) of ``site``: fields in ``equals`` must match, ``order_by`` is a list of
        (field, descending), ``limit`` caps the rows. Only fields in ``SEARCH_COLUMNS[table]`` may be used."""
        ...

    def count(self, table: str, site: str, equals: dict[str, Any] | None = None) -> int:
        """How many rows ``search`` would return without a limit."""
        ...

    # connector state (dataflow.runtime.state): JSON values a connector keeps about its destination
    def get_state(self, scope: str, keys: list[str]) -> dict[str, Any]: ...
    def put_state(self, scope: str, items: dict[str, Any]) -> None: ...


def open_store(home: Path, url: str | None = None) -> Store:
    """The store at ``url`` (a PostgreSQL URL), else the SQLite file ``home/state.db``."""
    return open_location(url or str(home / "state.db"))


def open_location(location: str) -> Store:
    """The store a ``Store.location`` names: a PostgreSQL URL, or the path of an SQLite file."""
    if location.startswith(POSTGRES_SCHEMES):
        from dataflow.store.postgresql import PostgresStore

        return PostgresStore(location)
    if "://" in location:
        scheme = location.split("://", 1)[0]
        raise StoreError(f"unsupported store '{scheme}://': use a postgresql:// URL, or none for SQLite")
    from dataflow.store.sqlite import SQLiteStore

    return SQLiteStore(Path(location))
