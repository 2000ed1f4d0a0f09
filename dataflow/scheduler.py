"""``dataflow scheduler``: runs due jobs in the foreground, with IdentitySync's scheduling semantics.

- A slot that comes due starts a job unless the flow is already running; the run then happens once the flow is
  free (missed slots are coalesced, never run twice, never run concurrently).
- A failed job is retried after a back-off (``backoff × 2^(attempt-1)``) with an increasing ``attemptNumber``,
  up to the configured number of attempts.
- On start, jobs left ``running`` by a process that is gone (a scheduler that died mid-job) are marked failed
  and retried.
The clock is injected, so tests can drive a simulated day.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from dataflow.clock import Clock, iso, utc_now
from dataflow.errors import FlowInvalid
from dataflow.retention import prune
from dataflow.runtime.jobs import JobRequest, JobService, owner_alive, resolve
from dataflow.scheduling import next_slot, parse_time
from dataflow.store import LOCAL_SITE, AlreadyRunning

Log = Callable[[str], None]
PRUNE_EVERY = timedelta(hours=1)


class Scheduler:
    def __init__(
        self,
        service: JobService,
        clock: Clock = utc_now,
        log: Log = print,
        max_workers: int | None = None,
    ) -> None:
        self.service = service
        self.store = service.store
        self.clock = clock
        self.log = log
        settings = service.settings
        self.max_attempts = settings.retry_max_attempts
        self.backoff = timedelta(seconds=settings.retry_backoff_seconds)
        self._pool = ThreadPoolExecutor(max_workers or settings.max_concurrent_jobs, thread_name_prefix="job")
        self._active: dict[str, Future[Any]] = {}  # scheduling id -> its running job
        self._lock = threading.Lock()
        self._tick_lock = threading.Lock()

    # recovery ---------------------------------------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Mark jobs whose process died as failed, and queue their retry. Returns the job ids."""
        recovered = []
        for job in self.store.running_jobs():
            if owner_alive(job["owner"]):
                continue
            now = self.clock()
            self.store.mark_failed(job["id"], "the scheduler stopped while this job was running", iso(now))
            recovered.append(job["id"])
            self.log(f"job {job['id']} of '{job['dataflowName']}' was interrupted; marked failed")
            scheduling = self.store.get_scheduling(job["schedulingId"], None) if job.get("schedulingId") else None
            if scheduling is not None:
                self._queue_retry(scheduling, job["attemptNumber"], now)
        return recovered

    # the loop ---------------------------------------------------------------------------------------------------
    def tick(self) -> list[Future[Any]]:
        """Start every job that is due now (in every site); returns the futures of the jobs started.

        Safe to call from several threads (the loop, and a server starting a one-time scheduling at once): one
        tick at a time, so a due slot is never launched twice."""
        with self._tick_lock:
            now = self.clock()
            started = []
            for scheduling in self.store.list_schedulings(site=None):
                if not scheduling.get("enabled", True):
                    continue
                with self._lock:
                    busy = scheduling["id"] in self._active
                if busy:
                    continue
                future = self._start_if_due(scheduling, now)
                if future is not None:
                    started.append(future)
            return started

    def run_forever(self, stop: threading.Event, poll_seconds: float = 1.0) -> None:
        self.recover()
        last_prune: datetime | None = None
        while not stop.wait(poll_seconds):
            self.tick()
            now = self.clock()
            if last_prune is None or now - last_prune >= PRUNE_EVERY:
                removed = prune(self.store, self.service.settings.retention_days, now)
                if removed:
                    self.log(f"removed the work directories of {removed} job(s) past the retention")
                last_prune = now
        self._pool.shutdown(wait=True)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)

    # decisions --------------------------------------------------------------------------------------------------
    def _start_if_due(self, scheduling: dict[str, Any], now: datetime) -> Future[Any] | None:
        retry_at = scheduling.get("retryAt")
        if retry_at and parse_time(retry_at) <= now:
            return self._launch(scheduling, scheduling["retryAttempt"], now, retry=True)
        next_start = scheduling.get("nextJobStartTime")
        if next_start and parse_time(next_start) <= now:
            return self._launch(scheduling, 1, now, retry=False)
        return None

    def _launch(self, scheduling: dict[str, Any], attempt: int, now: datetime, retry: bool) -> Future[Any] | None:
        try:
            target = resolve(
                self.store,
                scheduling["dataflowId"],
                {},
                registry=self.service.registry,
                site=scheduling.get("apiKey", LOCAL_SITE),
            )
        except (LookupError, FlowInvalid) as problem:
            self.log(f"scheduling '{scheduling['name']}': cannot run: {problem}")
            self._advance(scheduling, now, retry)
            return None
        if self._flow_running(target.dataflow_id):
            return None  # stays due: runs once the current run ends
        self._advance(scheduling, now, retry)
        request = JobRequest(
            target=target,
            scheduling=scheduling,
            attempt_number=attempt,
            limit=scheduling.get("limit"),
            log_level=scheduling.get("logLevel") or "info",
            full_extract=bool(scheduling.get("fullExtract")),
        )
        with self._lock:
            future = self._pool.submit(self._run, request)
            self._active[scheduling["id"]] = future
        return future

    def _flow_running(self, dataflow_id: str) -> bool:
        return any(job["dataflowId"] == dataflow_id for job in self.store.running_jobs())

    def _advance(self, scheduling: dict[str, Any], now: datetime, retry: bool) -> None:
        """Move the schedule past the slot being served (or clear the retry being served)."""
        next_start = scheduling.get("nextJobStartTime")
        if retry:
            self.store.set_scheduling_times(scheduling["id"], next_start, None, 0)
            return
        following = next_slot(
            parse_time(next_start), now, scheduling["frequencyType"], scheduling.get("frequencyInterval") or 1
        )
        following_text = iso(following) if following else None
        self.store.set_scheduling_times(
            scheduling["id"], following_text, scheduling.get("retryAt"), scheduling["retryAttempt"]
        )

    def _run(self, request: JobRequest) -> dict[str, Any] | None:
        scheduling = request.scheduling or {}
        try:
            status = self.service.run(request)
        except AlreadyRunning as busy:
            self.log(str(busy))
            return None
        finally:
            with self._lock:
                self._active.pop(scheduling.get("id"), None)
        self.log(f"job {status['id']} of '{status['dataflowName']}': {status['status']}")
        if status["status"] == "failed":
            current = self.store.get_scheduling(scheduling["id"], None)
            if current is not None:
                self._queue_retry(current, request.attempt_number, self.clock())
        return status

    def _queue_retry(self, scheduling: dict[str, Any], attempt: int, now: datetime) -> None:
        if attempt >= self.max_attempts:
            self.log(f"scheduling '{scheduling['name']}': attempt {attempt} failed; giving up until the next slot")
            return
        retry_at = now + self.backoff * (2 ** (attempt - 1))
        next_start = scheduling.get("nextJobStartTime")
        self.store.set_scheduling_times(scheduling["id"], next_start, iso(retry_at), attempt + 1)
        self.log(f"scheduling '{scheduling['name']}': attempt {attempt + 1} at {iso(retry_at)}")
