"""Runs a flow as a recorded job: resolve it, lock it, give it its delta window, run it, record the outcome.

Every run — by hand or from a schedule — goes through here, so the guarantees hold for both: runs of one flow
never overlap; the watermark moves only when a job succeeds, to that job's start time; the job's status,
counters, trace and error file location are stored; a kill request from another process stops the job.

The flow's lock is a lease: the job's watcher renews it every third of ``lease_seconds`` while the job runs. If
the process dies, the lease runs out and the next process to start the flow takes over (on a SQLite store a
process on the same host that is gone is noticed at once by its pid). A job that finds its lease taken over
stops, and its outcome is not recorded: the process that took over owns the flow now.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataflow import jsonio, notify
from dataflow.clock import Clock, iso, utc_now
from dataflow.errors import FlowInvalid
from dataflow.registry import Registry
from dataflow.runtime.partitioned import make_runner
from dataflow.runtime.runner import Runner, RunOptions, dataflow_id
from dataflow.scheduling import first_run_delta_start
from dataflow.settings import Settings
from dataflow.store import AlreadyRunning, Store
from dataflow.validation import ValidatedFlow, validate_path, validate_text

KILL_POLL_SECONDS = 0.5
LEASE_LOST = "this process lost the job's lease (another process took the flow over); the outcome was not recorded"


@dataclass
class FlowTarget:
    validated: ValidatedFlow
    dataflow_id: str
    name: str


def resolve(
    store: Store,
    name_or_path: str,
    variables: Mapping[str, Any],
    draft: bool = False,
    registry: Registry | None = None,
) -> FlowTarget:
    """A flow file (when the path exists) or a stored flow by name or id; raises FlowInvalid or LookupError."""
    path = Path(name_or_path)
    if path.is_file():
        validated = validate_path(path, variables, registry)
    else:
        stored = store.get_flow(name_or_path, "draft" if draft else "published")
        if stored is None:
            kind = "draft" if draft else "published"
            raise LookupError(f"no flow file and no {kind} dataflow named '{name_or_path}'")
        document = {"id": stored.id, **stored.document}
        label = f"<{stored.name} {stored.status} v{stored.version}>"
        validated = validate_text(jsonio.dumps_pretty(document), label + ".json", variables, registry)
    if not validated.ok or validated.flow is None:
        raise FlowInvalid(validated.diagnostics)
    return FlowTarget(validated, dataflow_id(validated), validated.flow.name)


def owner_tag() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str) -> bool:
    """Whether the process that owns a running job still exists (on another host we cannot tell: assume so)."""
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class JobRequest:
    target: FlowTarget
    scheduling: dict[str, Any] | None = None
    attempt_number: int = 1
    limit: int | None = None
    log_level: str = "info"
    full_extract: bool = False
    batch_size: int = 1000
    on_progress: Callable[[dict[str, dict[str, int]]], None] | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)


class JobService:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        work_root: Path,
        clock: Clock = utc_now,
        environ: Mapping[str, str] = os.environ,
        owner: str | None = None,
        registry: Registry | None = None,
        executor: Any = None,
    ) -> None:
        self.registry = registry
        self.executor = executor  # runs partitions elsewhere (Dask); None runs every job in this process
        self.store = store
        self.settings = settings
        self.work_root = work_root
        self.clock = clock
        self.environ = environ
        self.owner = owner or owner_tag()

    def run(self, request: JobRequest) -> dict[str, Any]:
        """Run one job to its end and return its status; raises AlreadyRunning when the flow is busy."""
        target = request.target
        options = RunOptions(
            limit=request.limit,
            log_level=request.log_level,
            full_extract=request.full_extract,
            batch_size=request.batch_size,
            attempt_number=request.attempt_number,
            work_root=self.work_root,
            clock=self.clock,
            environ=self.environ,
            on_progress=request.on_progress,
            cancel_event=request.cancel_event,
            executor=self.executor,
        )
        runner = make_runner(target.validated, options)
        options.job_id = runner_job_id = os.urandom(16).hex()
        self._claim(target, request, runner_job_id)
        watermark = None if request.full_extract else self.store.get_watermark(target.dataflow_id)
        options.watermark = watermark
        if watermark is None and not request.full_extract:
            scheduling = request.scheduling or {}
            now = self.clock()
            start = first_run_delta_start(now, scheduling.get("frequencyType"), scheduling.get("frequencyInterval"))
            options.first_run_window = now - start
        stop_watching = threading.Event()
        watcher = threading.Thread(
            target=self._watch, args=(runner_job_id, request.cancel_event, stop_watching), daemon=True
        )
        watcher.start()
        try:
            status = runner.run()
        finally:
            stop_watching.set()
            watcher.join()
        if request.scheduling:
            status["schedulingId"] = request.scheduling.get("id")
        if not self.store.complete_job(status, self.owner):  # records it, and the watermark on success
            status.update(status="failed", errorMessage=LEASE_LOST)
            return status
        self._notify(request.scheduling, status, runner)
        return status

    def _claim(self, target: FlowTarget, request: JobRequest, job_id: str) -> None:
        job = {
            "id": job_id,
            "dataflowId": target.dataflow_id,
            "dataflowName": target.name,
            "schedulingId": (request.scheduling or {}).get("id"),
            "startTime": iso(self.clock()),
            "attemptNumber": request.attempt_number,
            "owner": self.owner,
            "workDir": str(self.work_root / job_id),
        }
        lease = self.settings.lease_seconds
        try:
            self.store.start_job(job, lease)
        except AlreadyRunning as busy:
            running = self.store.get_job(busy.job_id)
            if running is None or self.store.shared or owner_alive(running["owner"]):
                raise
            self.store.mark_failed(busy.job_id, "the process running this job is gone", iso(self.clock()))
            self.store.start_job(job, lease)

    def _watch(self, job_id: str, cancel: threading.Event, stop: threading.Event) -> None:
        """Turn a kill request into the job's cancel event, and renew the job's lease while it runs."""
        lease = self.settings.lease_seconds
        renew_every = lease / 3
        last_renewal = time.monotonic()
        while not stop.wait(min(KILL_POLL_SECONDS, renew_every)):
            try:
                if self.store.kill_requested(job_id):
                    cancel.set()
                    return
                if time.monotonic() - last_renewal >= renew_every:
                    if not self.store.renew_lease(job_id, self.owner, lease):
                        cancel.set()  # taken over: stop; complete_job will refuse to record this run
                        return
                    last_renewal = time.monotonic()
            except Exception:  # the store is unreachable for a moment: try again; the lease has slack for it
                continue

    def _notify(self, scheduling: dict[str, Any] | None, status: dict[str, Any], runner: Runner) -> None:
        to = notify.recipients(scheduling, status["status"])
        if not to:
            return
        try:
            notify.send(self.settings.smtp, to, status, runner.job.redactor)
        except (OSError, notify.smtplib.SMTPException) as problem:
            # a mail server outage must not turn a finished job into a failed one; say so where operators look
            status.setdefault("notificationError", f"could not send the notification: {problem}")
            self.store.finish_job(status)
