"""What the operational commands share: DATAFLOW_HOME, its store, its settings, a job service."""

from __future__ import annotations

import os
from collections.abc import Mapping

from dataflow.runtime.home import dataflow_home, jobs_dir
from dataflow.runtime.jobs import JobService
from dataflow.settings import load_settings
from dataflow.store import Store, open_store


def store() -> Store:
    return open_store(dataflow_home())


def job_service(environ: Mapping[str, str] | None = None) -> JobService:
    home = dataflow_home()
    return JobService(open_store(home), load_settings(home), jobs_dir(), environ=environ or dict(os.environ))
