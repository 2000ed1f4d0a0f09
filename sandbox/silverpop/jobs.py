"""Background data jobs (imports, exports, joins) and their WAITING -> RUNNING -> COMPLETE|ERROR walk.

A job does its work only at the moment it leaves RUNNING, so a client sees exactly what Acoustic shows: no
contacts and no export file before COMPLETE. State changes are driven by the sandbox clock: ``advance()`` moves
every job as far as the elapsed time allows (called on each GetJobStatus, by the admin API, and by a ticker
thread in real runs), and ``step()`` forces one transition so a test needs no clock at all.
An injected fault, drawn when the job is submitted, ends it in ERROR without running the work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.silverpop.clock import Clock

WAITING, RUNNING, COMPLETE, ERROR, CANCELLED = "WAITING", "RUNNING", "COMPLETE", "ERROR", "CANCELLED"
TERMINAL = frozenset({COMPLETE, ERROR, CANCELLED})


class JobFailed(Exception):
    """Raised by a job's work when the whole job fails (e.g. an unusable map file)."""


@dataclass
class Job:
    id: int
    kind: str
    description: str
    parameters: dict[str, str]
    created: float
    work: Callable[[Job], None] | None = None
    on_error: Callable[[Job, str], None] | None = None
    injected_error: str | None = None
    status: str = WAITING
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    history: list[str] = field(default_factory=lambda: [WAITING])

    def summary(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "description": self.description,
            "parameters": dict(self.parameters),
            "error": self.error,
            "history": list(self.history),
        }


class JobQueue:
    def __init__(self, clock: Clock, lock: threading.RLock, waiting_s: float, running_s: float) -> None:
        self._clock = clock
        self._lock = lock
        self.waiting_s = waiting_s
        self.running_s = running_s
        self.jobs: dict[int, Job] = {}

    def submit(self, job: Job) -> Job:
        with self._lock:
            self.jobs[job.id] = job
            return job

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self.jobs.get(job_id)

    def advance(self) -> None:
        """Move every unfinished job as far as the clock allows."""
        with self._lock:
            now = self._clock.now()
            for job in list(self.jobs.values()):
                if job.status == WAITING and now >= job.created + self.waiting_s:
                    self._start(job, job.created + self.waiting_s)
                if job.status == RUNNING and job.started is not None and now >= job.started + self.running_s:
                    self._finish(job)

    def step(self, job_id: int | None = None) -> None:
        """Force one transition of one job (or of every unfinished job), whatever the clock says."""
        with self._lock:
            targets = [self.jobs[job_id]] if job_id is not None else list(self.jobs.values())
            for job in targets:
                if job.status == WAITING:
                    self._start(job, self._clock.now())
                elif job.status == RUNNING:
                    self._finish(job)

    def cancel(self, job_id: int) -> bool:
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None or job.status in TERMINAL:
                return False
            job.status, job.finished = CANCELLED, self._clock.now()
            job.history.append(CANCELLED)
            return True

    def _start(self, job: Job, when: float) -> None:
        job.status, job.started = RUNNING, when
        job.history.append(RUNNING)

    def _finish(self, job: Job) -> None:
        job.finished = self._clock.now()
        reason = job.injected_error
        if reason is None:
            try:
                if job.work is not None:
                    job.work(job)
            except JobFailed as problem:
                reason = str(problem)
            except Exception as problem:  # a sandbox bug must not kill the ticker; it shows as ERROR
                reason = f"Internal error: {problem!r}"
        if reason is None:
            job.status = COMPLETE
        else:
            job.status, job.error = ERROR, reason
            if job.on_error is not None:
                job.on_error(job, reason)
        job.history.append(job.status)
