"""What the operational commands share: DATAFLOW_HOME, its store, its settings, a job service."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dataflow.runtime.home import dataflow_home, jobs_dir
from dataflow.runtime.jobs import JobService
from dataflow.settings import load_settings
from dataflow.store import Store, open_store


def store() -> Store:
    return open_store(dataflow_home())


def job_service(environ: Mapping[str, str] | None = None, home: Path | None = None) -> JobService:
    """Jobs recorded in ``home`` (default ``$DATAFLOW_HOME``; sandbox runs keep a home of their own)."""
    base = dataflow_home()
    state = home or base
    work = state / "jobs" if home else jobs_dir()
    return JobService(open_store(state), load_settings(base), work, environ=environ or dict(os.environ))
