"""Operator configuration: ``$DATAFLOW_HOME/config.yaml`` with environment overrides.

```yaml
smtp: {host: mail.example.com, port: 587, username: robot, password: ..., from: dataflow@example.com, starttls: true}
retention: {days: 30}          # job work directories and error files older than this are removed
retry: {maxAttempts: 3, backoffSeconds: 60}   # failed scheduled jobs: retried after 60 s, 120 s, ...
scheduler: {maxConcurrentJobs: 4, leaseSeconds: 60}   # a job's lock lapses this long after its process dies
store: postgresql://dataflow@db.example.com/dataflow        # default: the SQLite file $DATAFLOW_HOME/state.db
executor: {type: dask, scheduler: tcp://dask-scheduler:8786}   # or {type: dask, workers: 4}: a local cluster
```
Environment: ``DATAFLOW_SMTP_HOST``, ``DATAFLOW_SMTP_PORT``, ``DATAFLOW_SMTP_USERNAME``, ``DATAFLOW_SMTP_PASSWORD``,
``DATAFLOW_SMTP_FROM``, ``DATAFLOW_RETENTION_DAYS``, ``DATAFLOW_EXECUTOR`` (``local`` or ``dask``),
``DATAFLOW_DASK_SCHEDULER``, ``DATAFLOW_STORE``, ``DATAFLOW_LEASE_SECONDS``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None = None
    port: int = 25
    username: str | None = None
    password: str | None = None
    sender: str = "dataflow@localhost"
    starttls: bool = False


@dataclass(frozen=True)
class Settings:
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    retention_days: int = 30
    retry_max_attempts: int = 3
    retry_backoff_seconds: float = 60.0
    max_concurrent_jobs: int = 4
    lease_seconds: float = 60.0  # renewed every third of it while a job runs
    store_url: str | None = None  # postgresql://...; None: the SQLite file in DATAFLOW_HOME
    executor: str = "local"  # local: every job in the process that runs it; dask: partitions on a Dask cluster
    dask_scheduler: str | None = None  # tcp://host:8786; None starts a local cluster of processes
    dask_workers: int | None = None  # workers of that local cluster (default: one per CPU)


def _first(*values: Any) -> Any:
    """The first value that is set (0 is a setting, not an absence)."""
    return next(value for value in values if value not in (None, ""))


def load_settings(home: Path, environ: Mapping[str, str] = os.environ) -> Settings:
    path = home / "config.yaml"
    data: dict[str, Any] = {}
    if path.is_file():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path} must hold a mapping")
        data = loaded
    smtp = data.get("smtp") or {}
    retention = data.get("retention") or {}
    retry = data.get("retry") or {}
    scheduler = data.get("scheduler") or {}
    executor = data.get("executor") or {}
    return Settings(
        smtp=SmtpSettings(
            host=environ.get("DATAFLOW_SMTP_HOST") or smtp.get("host"),
            port=int(environ.get("DATAFLOW_SMTP_PORT") or smtp.get("port") or 25),
            username=environ.get("DATAFLOW_SMTP_USERNAME") or smtp.get("username"),
            password=environ.get("DATAFLOW_SMTP_PASSWORD") or smtp.get("password"),
            sender=environ.get("DATAFLOW_SMTP_FROM") or smtp.get("from") or "dataflow@localhost",
            starttls=bool(smtp.get("starttls", False)),
        ),
        retention_days=int(_first(environ.get("DATAFLOW_RETENTION_DAYS"), retention.get("days"), 30)),
        retry_max_attempts=int(retry.get("maxAttempts", 3)),
        retry_backoff_seconds=float(retry.get("backoffSeconds", 60)),
        max_concurrent_jobs=int(scheduler.get("maxConcurrentJobs", 4)),
        lease_seconds=float(_first(environ.get("DATAFLOW_LEASE_SECONDS"), scheduler.get("leaseSeconds"), 60)),
        store_url=environ.get("DATAFLOW_STORE") or data.get("store") or None,
        executor=str(environ.get("DATAFLOW_EXECUTOR") or executor.get("type") or "local"),
        dask_scheduler=environ.get("DATAFLOW_DASK_SCHEDULER") or executor.get("scheduler"),
        dask_workers=int(executor["workers"]) if executor.get("workers") else None,
    )
