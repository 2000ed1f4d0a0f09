"""One partition of a job, as an executor runs it on a worker: its part of the DAG, its reader's part of the read.

A partition is the same runner as a whole job, restricted to the steps of its region (``partition_plan``) and
told which part its reader reads. It works in a directory of its own inside the job's work directory, fresh for
every attempt: when a worker dies and the executor runs the partition again, nothing the dead attempt wrote is
read, so records are neither lost nor counted twice. What it hands back is small and picklable: counters,
trace lines, where its error file and its formatters' files are, and how it ended. Connector state (what a
connector remembers about its destination) is read and written in the job's own store, opened again on the worker.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Protocol

from dataflow.clock import utc_now
from dataflow.component import Formatter, Reader
from dataflow.runtime.runner import Runner, RunOptions
from dataflow.runtime.state import ConnectorState, StoreState
from dataflow.store import open_location
from dataflow.validation import ValidatedFlow

PARTITIONS_DIR = "partitions"


@dataclass(frozen=True)
class PartitionTask:
    """Everything a worker needs to run one partition; it travels to the worker pickled."""

    validated: ValidatedFlow
    job_id: str
    index: int
    count: int
    reader: str | None  # None: the whole job, every reader, as one partition
    part: Any
    region: frozenset[str]
    joined: tuple[str, ...]  # formatters whose files go back to the driver
    started_at: datetime
    job_work_dir: Path
    watermark: datetime | None = None
    first_run_window: timedelta = timedelta(hours=24)
    full_extract: bool = False
    limit: int | None = None
    log_level: str = "info"
    batch_size: int = 1000
    attempt_number: int = 1
    api_key: str | None = None
    environ: dict[str, str] = field(default_factory=dict)
    state_location: str | None = None  # the store that keeps connector state (Store.location), opened on the worker

    def describe(self) -> str:
        if self.reader is None:
            return "the whole job"
        # a file a reader listed shows as its name; anything else (a query condition) as itself
        shown = f": {getattr(self.part, 'name', self.part)}" if self.part is not None else ""
        return f"partition {self.index + 1}/{self.count} (step '{self.reader}'{shown})"


class Executor(Protocol):
    """Runs partitions somewhere (Dask workers); the engine keeps the DAG and decides what a partition is."""

    def run(self, tasks: list[PartitionTask], cancel: threading.Event) -> Generator[dict[str, Any], None, None]:
        """Run every task; yield each result (``run_partition``'s) as it completes, in any order.

        Stops early when ``cancel`` is set; closing the generator early stops the partitions still running.
        Raises ``DataflowError`` when a partition could not be run at all (every attempt's worker died).
        """
        ...


class PartitionRunner(Runner):
    kind: ClassVar[str] = "partition"

    def __init__(self, task: PartitionTask, cancel: threading.Event, state: ConnectorState | None = None) -> None:
        options = RunOptions(
            limit=task.limit,
            log_level=task.log_level,
            full_extract=task.full_extract,
            watermark=task.watermark,
            first_run_window=task.first_run_window,
            batch_size=task.batch_size,
            job_id=task.job_id,
            attempt_number=task.attempt_number,
            api_key=task.api_key,
            environ=task.environ,
            cancel_event=cancel,
            started_at=task.started_at,
            state=state,
            clock=utc_now,
            work_dir=task.job_work_dir / PARTITIONS_DIR / f"{task.index + 1:04d}-{uuid.uuid4().hex[:8]}",
        )
        super().__init__(task.validated, options)
        self.task = task

    def describe(self) -> str:
        return f"{self.task.describe()} of job {self.task.job_id}"

    def _steps_to_build(self) -> set[str]:
        return set(self.task.region)

    def _configure(self) -> None:
        if self.task.reader is not None:
            reader = self.components[self.task.reader]
            assert isinstance(reader, Reader)
            reader.partition = self.task.part
        self.job.trace.info(f"running on {_worker_name()} in {self.job.work_dir}")

    def written(self) -> dict[str, list[dict[str, Any]]]:
        files = {}
        for step_id in self.task.joined:
            component = self.components.get(step_id)
            if isinstance(component, Formatter):
                files[step_id] = component.written()
        return files


def run_partition(task: PartitionTask, cancel: threading.Event | None = None) -> dict[str, Any]:
    """Run one partition to its end; the worker-side entry point every executor calls."""
    store = open_location(task.state_location) if task.state_location else None
    try:
        runner = PartitionRunner(task, cancel or threading.Event(), StoreState(store) if store else None)
        status = runner.run()
    finally:
        if store is not None:
            store.close()
    return {
        "index": task.index,
        "status": status["status"],
        "errorMessage": status.get("errorMessage"),
        "errorDetails": status.get("errorDetails"),
        "counters": status["counters"],
        "trace": status["trace"],
        "failedRecords": status["failedRecords"],
        "errorFile": status["errorFile"],
        "workDir": status["workDir"],
        "written": runner.written(),
    }


def _worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"
