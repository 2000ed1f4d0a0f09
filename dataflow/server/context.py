"""Everything one ``dataflow serve`` process shares between its API methods and its console pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from dataflow.clock import Clock, utc_now
from dataflow.registry import Registry
from dataflow.runtime.jobs import JobService
from dataflow.scheduler import Scheduler
from dataflow.server.auth import Authenticator
from dataflow.server.cursors import Cursors
from dataflow.store import Store


@dataclass
class ServerContext:
    store: Store
    registry: Registry
    service: JobService
    auth: Authenticator
    scheduler: Scheduler | None = None  # None with --no-scheduler: a separate `dataflow scheduler` runs the jobs
    clock: Clock = utc_now
    cursors: Cursors = field(default_factory=Cursors)

    def start_due_jobs(self) -> None:
        """Start what is due now (a one-time scheduling at or before now) instead of at the next poll."""
        if self.scheduler is not None:
            self.scheduler.tick()
