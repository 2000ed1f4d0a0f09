"""Schedulers and jobs in processes of their own, for the tests where several processes share one store.

python -m tests.ops.processes scheduler URL WORK READY GO SECONDS   # tick until SECONDS after GO appears
python -m tests.ops.processes job URL WORK FLOW LEASE                # run FLOW once (the test kills it)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from dataflow.runtime.jobs import JobRequest, JobService, resolve
from dataflow.scheduler import Scheduler
from dataflow.settings import Settings
from dataflow.store import open_store
from tests.ops.conftest import ops_registry


def service(url: str, work: str, lease_seconds: float = 10.0) -> JobService:
    store = open_store(Path(work), url)
    settings = Settings(lease_seconds=lease_seconds, max_concurrent_jobs=2)
    return JobService(store, settings, Path(work) / "jobs", environ={}, registry=ops_registry())


def scheduler(url: str, work: str, ready: str, go: str, seconds: str) -> None:
    runner = Scheduler(service(url, work), log=lambda line: print(line, flush=True))
    Path(ready).touch()
    while not Path(go).exists():
        time.sleep(0.01)
    until = time.monotonic() + float(seconds)
    while time.monotonic() < until:
        runner.tick()
        time.sleep(0.05)
    runner.shutdown()
    runner.store.close()


def job(url: str, work: str, flow: str, lease: str) -> None:
    jobs = service(url, work, float(lease))
    jobs.run(JobRequest(target=resolve(jobs.store, flow, {}, registry=jobs.registry)))


if __name__ == "__main__":
    {"scheduler": scheduler, "job": job}[sys.argv[1]](*sys.argv[2:])
