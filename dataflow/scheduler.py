"""``dataflow scheduler``: runs due jobs in the foreground, with IdentitySync's scheduling semantics.

- A slot that comes due starts a job unless the flow is already running; the run then happens once the flow is
  free (missed slots are coalesced, never run twice, never run concurrently).
- A failed job is retried after a back-off (``backoff × 2^(attempt-1)``) with an increasing ``attemptNumber``,
  up to the configured number of attempts.
- Jobs left ``running`` by a process that is gone (a scheduler that died mid-job: its lease ran out, or, on a
  SQLite store, its pid is gone) are marked failed and retried, at start and on every tick.
- Several schedulers may share one store (PostgreSQL): a due slot is claimed by exactly one of them
  (``Store.claim_schedulings``), and each claims no more than it has free workers for, so they share the load.
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
        self.max_workers = max_workers or settings.max_concurrent_jobs
        self._pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="job")
        self._active: dict[str, Future[Any]] = {}  # scheduling id -> its running job
        self._lock = threading.Lock()
        self._tick_lock = threading.Lock()

    # recovery ---------------------------------------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Mark jobs whose process died as failed, and queue their retry. Returns the job ids."""
        recovered = []
        for job in self.store.running_jobs():
            gone = job.get("leaseExpired") or (not self.store.shared and not owner_alive(job["owner"]))
            if not gone:
                continue
            now = self.clock()
            if not self.store.mark_failed(job["id"], "the scheduler stopped while this job was running", iso(now)):
                continue  # another scheduler got there first, and queued the retry
            recovered.append(job["id"])
            self.log(f"job {job['id']} of '{job['dataflowName']}' was interrupted; marked failed")
            scheduling = self.store.get_scheduling(job["schedulingId"], None) if job.get("schedulingId") else None
            if scheduling is not None:
                self._queue_retry(scheduling, job["attemptNumber"], now)
        return recovered

    # the loop ---------------------------------------------------------------------------------------------------
    def tick(self) -> list[Future[Any]]:
        """Start every job that is due now, in every site, as many as there are free workers; returns their futures.

        Safe to call from several threads (the loop, and a server starting a one-time scheduling at once): one
        tick at a time in this process, and one claim per due slot across every scheduler sharing the store."""
        with self._tick_lock:
            self.recover()
            now = self.clock()
            with self._lock:
                free = self.max_workers - len(self._active)
                busy = set(self._active)
            if free <= 0:
                return []
            running = {job["dataflowId"] for job in self.store.running_jobs()}

            def claim(scheduling: dict[str, Any]) -> tuple[str | None, str | None, int] | None:
                if not scheduling.get("enabled", True) or scheduling["id"] in busy:
                    return None
                kind = _due(scheduling, now)
                if kind is None or scheduling["dataflowId"] in running:
                    return None  # not due; or the flow is busy, and the slot stays due until it is free
                return self._advanced(scheduling, now, kind == "retry")

            started = []
            for scheduling in self.store.claim_schedulings(claim, limit=free):
                future = self._launch(scheduling, now, retry=_due(scheduling, now) == "retry")
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
    def _launch(self, scheduling: dict[str, Any], now: datetime, retry: bool) -> Future[Any] | None:
        """Start the job of a claimed slot (already moved on in the store)."""
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
            return None
        request = JobRequest(
            target=target,
            scheduling=scheduling,
            attempt_number=scheduling["retryAttempt"] if retry else 1,
            limit=scheduling.get("limit"),
            log_level=scheduling.get("logLevel") or "info",
            full_extract=bool(scheduling.get("fullExtract")),
        )
        with self._lock:
            future = self._pool.submit(self._run, request)
            self._active[scheduling["id"]] = future
        return future

    @staticmethod
    def _advanced(scheduling: dict[str, Any], now: datetime, retry: bool) -> tuple[str | None, str | None, int]:
        """The scheduling's times once the slot being served is claimed (or the retry being served is cleared)."""
        next_start = scheduling.get("nextJobStartTime")
        if retry:
            return next_start, None, 0
        following = next_slot(
            parse_time(next_start), now, scheduling["frequencyType"], scheduling.get("frequencyInterval") or 1
        )
        return (iso(following) if following else None), scheduling.get("retryAt"), scheduling["retryAttempt"]

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
        self.store.set_retry(scheduling["id"], iso(retry_at), attempt + 1)
        self.log(f"scheduling '{scheduling['name']}': attempt {attempt + 1} at {iso(retry_at)}")


def _due(scheduling: dict[str, Any], now: datetime) -> str | None:
    """``retry`` when a retry is due, ``slot`` when the regular slot is, else None (a due retry goes first)."""
    retry_at = scheduling.get("retryAt")
    if retry_at and parse_time(retry_at) <= now:
        return "retry"
    next_start = scheduling.get("nextJobStartTime")
    if next_start and parse_time(next_start) <= now:
        return "slot"
    return None
