"""What the operational commands share: DATAFLOW_HOME, its store, its settings, a job service."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dataflow.runtime.home import dataflow_home, jobs_dir
from dataflow.runtime.jobs import JobService
from dataflow.settings import Settings, load_settings
from dataflow.store import Store, open_store


def store() -> Store:
    home = dataflow_home()
    return open_store(home, load_settings(home).store_url)


def job_service(environ: Mapping[str, str] | None = None, home: Path | None = None, executor: Any = None) -> JobService:
    """Jobs recorded in ``home`` (default ``$DATAFLOW_HOME``; sandbox runs keep a home of their own)."""
    base = dataflow_home()
    state = home or base
    work = state / "jobs" if home else jobs_dir()
    settings = load_settings(base)
    the_store = open_store(state, None if home else settings.store_url)  # a sandbox home keeps its own file
    return JobService(the_store, settings, work, environ=environ or dict(os.environ), executor=executor)


EXECUTORS = ("local", "dask")


def add_executor_options(parser: argparse.ArgumentParser, address_flag: str) -> None:
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        help="local: run jobs in this process; dask: run their partitions on a Dask cluster "
        "(default: executor.type in config.yaml, else local)",
    )
    parser.add_argument(
        address_flag,
        dest="dask_scheduler",
        metavar="ADDRESS",
        help="the Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies --executor dask); without it, dask starts a "
        "local cluster of worker processes on this machine",
    )
    parser.add_argument("--workers", type=int, metavar="N", help="workers of a local Dask cluster (default: CPUs)")


def executor(args: argparse.Namespace, settings: Settings | None = None) -> Any:
    """The executor the command line and config.yaml ask for; None runs jobs in this process."""
    settings = settings or load_settings(dataflow_home())
    address = args.dask_scheduler or settings.dask_scheduler
    kind = args.executor or ("dask" if args.dask_scheduler else settings.executor)
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor '{kind}' (config.yaml executor.type, DATAFLOW_EXECUTOR): use local or dask")
    if kind == "local":
        return None
    from dataflow.runtime.dask_executor import DaskExecutor

    return DaskExecutor(address, workers=args.workers or settings.dask_workers)
