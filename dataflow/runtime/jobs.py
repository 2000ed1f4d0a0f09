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
from dataflow.runtime.state import StoreState
from dataflow.scheduling import first_run_delta_start
from dataflow.settings import Settings
from dataflow.store import LOCAL_SITE, AlreadyRunning, Store
from dataflow.validation import ValidatedFlow, validate_path, validate_text

KILL_POLL_SECONDS = 0.5
PROGRESS_STORE_SECONDS = 1.0  # how often a running job's live counters are written to the store
LEASE_LOST = "this process lost the job's lease (another process took the flow over); the outcome was not recorded"


@dataclass
class FlowTarget:
    validated: ValidatedFlow
    dataflow_id: str
    name: str
    site: str = LOCAL_SITE


def resolve(
    store: Store,
    name_or_path: str,
    variables: Mapping[str, Any],
    draft: bool = False,
    registry: Registry | None = None,
    site: str | None = LOCAL_SITE,
) -> FlowTarget:
    """A flow file (when the path exists) or a stored flow of ``site`` by name or id (``site=None``: any site, by
    id); raises FlowInvalid or LookupError."""
    path = Path(name_or_path)
    owner = LOCAL_SITE
    if site == LOCAL_SITE and path.is_file():  # a site's flows are never files on the server's disk
        validated = validate_path(path, variables, registry)
    else:
        stored = store.get_flow(name_or_path, "draft" if draft else "published", site)
        if stored is None:
            kind = "draft" if draft else "published"
            raise LookupError(f"no flow file and no {kind} dataflow named '{name_or_path}'")
        owner = stored.site
        document = {"id": stored.id, **stored.document}
        if owner != LOCAL_SITE:
            document["apiKey"] = owner  # ${apiKey} in a site's flow is that site's key
        label = f"<{stored.name} {stored.status} v{stored.version}>"
        validated = validate_text(jsonio.dumps_pretty(document), label + ".json", variables, registry)
    if not validated.ok or validated.flow is None:
        raise FlowInvalid(validated.diagnostics)
    return FlowTarget(validated, dataflow_id(validated), validated.flow.name, owner)


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
            state=StoreState(self.store),
            executor=self.executor,
        )
        runner = make_runner(target.validated, options)
        options.job_id = runner_job_id = os.urandom(16).hex()
        options.on_progress = _StoredProgress(self.store, runner_job_id, self.clock, request.on_progress)
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
        # IdentitySync's job status names the scheduling's frequency; a run by hand is a one-time run
        status["frequencyType"] = (request.scheduling or {}).get("frequencyType") or "once"
        status["frequencyInterval"] = (request.scheduling or {}).get("frequencyInterval")
        # Records the outcome and, on success, the watermark, in one transaction, while the job holds its lease. A
        # run capped by a limit (a console test run) read only part of the window: the watermark stays, so the
        # next real run still reads what the capped run left behind.
        if not self.store.complete_job(status, self.owner, watermark=request.limit is None):
            status.update(status="failed", errorMessage=LEASE_LOST)
            return status
        self._notify(request.scheduling, status, runner)
        return status

    def _claim(self, target: FlowTarget, request: JobRequest, job_id: str) -> None:
        job = {
            "id": job_id,
            "apiKey": target.site,
            "dataflowId": target.dataflow_id,
            "dataflowName": target.name,
            "schedulingId": (request.scheduling or {}).get("id"),
            "startTime": iso(self.clock()),
            "attemptNumber": request.attempt_number,
            "limit": request.limit,
            "logLevel": request.log_level,
            "fullExtract": request.full_extract,
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


class _StoredProgress:
    """Writes a running job's counters to the store (at most once a second), so any process — the console of
    ``dataflow serve``, ``dataflow jobs show`` — sees the job move; passes them on to the caller's display too."""

    def __init__(
        self,
        store: Store,
        job_id: str,
        clock: Clock,
        then: Callable[[dict[str, dict[str, int]]], None] | None,
    ) -> None:
        self.store = store
        self.job_id = job_id
        self.clock = clock
        self.then = then
        self._last = 0.0

    def __call__(self, counters: dict[str, dict[str, int]]) -> None:
        now = time.monotonic()
        if now - self._last >= PROGRESS_STORE_SECONDS:
            self._last = now
            self.store.set_job_progress(self.job_id, counters, iso(self.clock()))
        if self.then is not None:
            self.then(counters)
