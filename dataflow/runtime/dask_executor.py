"""The Dask executor: partitions run as tasks on a ``dask.distributed`` cluster.

Dask only runs partitions (``runtime/partitions.run_partition``); what a partition is, how results merge and
how files join stay in the engine. Given a scheduler address it connects to that cluster; without one it starts
a ``LocalCluster`` of worker processes on this machine, and closes it when done.

Failures, by how they recover:
- a partition that fails (a step raised, a service refused) is a result, not a task error: the job fails with
  its message, and Dask does not retry it (running it again would fail the same way);
- a worker that dies (killed, out of memory, machine lost) takes its task with it: Dask's scheduler runs the
  task again on another worker, up to ``distributed.scheduler.allowed-failures`` times (3 by default); the new
  attempt works in a fresh directory, so nothing the dead attempt wrote is counted;
- a kill request sets a Dask ``Event`` that every running partition watches; they stop at their next batch.

Workers import the engine and the components, so they need the same package installed; on other machines they
also need the jobs directory on shared storage (part files are handed over by path, not copied through Dask).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Generator
from typing import Any

from dataflow.errors import DataflowError
from dataflow.runtime.partitions import PartitionTask, run_partition

POLL_SECONDS = 0.1
KILL_WATCH_SECONDS = 0.5


def _run_on_worker(task: PartitionTask, kill_event: str) -> dict[str, Any]:
    """A partition on a Dask worker, stopping when the driver sets ``kill_event``."""
    from distributed import Event

    cancel = threading.Event()
    done = threading.Event()
    remote = Event(kill_event)

    def watch() -> None:
        while not done.is_set():
            try:
                if remote.wait(timeout=KILL_WATCH_SECONDS):
                    cancel.set()
                    return
            except Exception:  # the scheduler went away: the task's own result will not be collected anyway
                return

    watcher = threading.Thread(target=watch, name="dataflow-kill-watch", daemon=True)
    watcher.start()
    try:
        return run_partition(task, cancel)
    finally:
        done.set()
        watcher.join(timeout=2 * KILL_WATCH_SECONDS)


class DaskExecutor:
    """Runs partitions on a Dask cluster: ``address`` (``tcp://host:8786``) or a local cluster of processes."""

    def __init__(
        self,
        address: str | None = None,
        workers: int | None = None,
        processes: bool = True,
        client: Any = None,
    ) -> None:
        self.address = address
        self.workers = workers
        self.processes = processes
        self._client = client
        self._owns_client = client is None
        self._cluster: Any = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        """The ``distributed.Client``, connected (and the local cluster started) on first use."""
        with self._lock:
            if self._client is None:
                self._client = self._connect()
            return self._client

    def _connect(self) -> Any:
        try:
            from distributed import Client, LocalCluster
        except ImportError as missing:
            raise DataflowError(
                "the Dask executor needs dask.distributed: pip install 'identitysync-dataflow[dask]'"
            ) from missing
        if self.address:
            return Client(self.address, set_as_default=False)
        # Loopback only, ports picked by the system (the scheduler serves HTTP even without a dashboard).
        self._cluster = LocalCluster(
            n_workers=self.workers,
            threads_per_worker=1,
            processes=self.processes,
            host="127.0.0.1" if self.processes else None,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.WARNING,
        )
        return Client(self._cluster, set_as_default=False)

    def describe(self) -> str:
        if self.address:
            return f"Dask cluster at {self.address}"
        workers = len(self.client.scheduler_info().get("workers", {}))
        kind = "processes" if self.processes else "threads"
        return f"local Dask cluster of {workers} worker {kind}"

    def run(self, tasks: list[PartitionTask], cancel: threading.Event) -> Generator[dict[str, Any], None, None]:
        from distributed import Event, as_completed

        client = self.client
        kill = Event(f"dataflow-kill-{uuid.uuid4().hex}", client=client)
        futures = [
            client.submit(_run_on_worker, task, kill.name, key=f"dataflow-{task.job_id}-{task.index}", pure=False)
            for task in tasks
        ]
        pending = as_completed(futures, loop=client.loop)
        finished = False
        try:
            while not pending.is_empty():
                if cancel.is_set():
                    return
                ready = pending.next_batch(block=False)
                if not ready:
                    time.sleep(POLL_SECONDS)
                    continue
                for future in ready:
                    result = self._result(future, tasks)
                    future.cancel()  # forget it: a worker dying later must not make Dask run it again
                    yield result
            finished = True
        finally:
            if not finished:  # killed, interrupted, or one partition could not run: stop the others
                kill.set()
            for future in futures:
                future.cancel()

    @staticmethod
    def _result(future: Any, tasks: list[PartitionTask]) -> dict[str, Any]:
        try:
            return future.result()
        except Exception as problem:
            task = next(task for task in tasks if future.key == f"dataflow-{task.job_id}-{task.index}")
            reason = f"{type(problem).__name__}: {problem}"
            raise DataflowError(f"{task.describe()} could not be run on the Dask cluster: {reason}") from problem

    def close(self) -> None:
        with self._lock:
            if self._client is not None and self._owns_client:
                self._client.close()
                self._client = None
            if self._cluster is not None:
                self._cluster.close()
                self._cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
