"""Several processes sharing one PostgreSQL store, as schedulers on several hosts would.

- Three scheduler processes tick against the same due slots at the same moment: every slot runs exactly once,
  and the work is spread (each claims no more than it has free workers for).
- A process running a job is killed (SIGKILL): its lock holds while its lease lasts, even though its pid is
  gone, and is taken over once the lease has run out.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from dataflow.clock import iso, utc_now
from dataflow.store import AlreadyRunning, Store, open_store
from tests.ops.conftest import simple_flow
from tests.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared(postgres: PostgresServer) -> Iterator[tuple[str, Store]]:
    url = postgres.url(postgres.new_schema())
    store = open_store(Path("unused"), url)
    yield url, store
    store.close()


def spawn(*arguments: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.ops.processes", *arguments]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_three_schedulers_run_every_due_slot_exactly_once(shared: tuple[str, Store], tmp_path: Path) -> None:
    url, store = shared
    due = iso(utc_now() - timedelta(minutes=1))
    for index in range(12):
        flow = store.save_flow(simple_flow(f"flow {index}", "test.pause", records=1, seconds=0.3))
        every = {"frequencyType": "once"} if index % 2 else {"frequencyType": "minute", "frequencyInterval": 10}
        store.add_scheduling({"name": f"slot {index}", "dataflowId": flow.id, "nextJobStartTime": due, **every})
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(3)]
    schedulers = [spawn("scheduler", url, str(tmp_path / f"s{n}"), str(ready[n]), str(go), "4") for n in range(3)]
    deadline = time.monotonic() + 60
    while not all(path.exists() for path in ready) and time.monotonic() < deadline:
        time.sleep(0.02)
    go.touch()  # all three start ticking together
    logs = [process.communicate(timeout=90)[0] for process in schedulers]
    assert all(process.returncode == 0 for process in schedulers), logs
    jobs = store.list_jobs(limit=100)
    assert sorted(job["dataflowName"] for job in jobs) == sorted(f"flow {index}" for index in range(12)), logs
    assert all(job["status"] == "succeeded" for job in jobs)
    assert len({job["owner"] for job in jobs}) >= 2  # the slots were shared out, not all taken by one
    assert all(s["nextJobStartTime"] != due for s in store.list_schedulings())


def test_a_killed_owner_keeps_the_lock_until_its_lease_runs_out(shared: tuple[str, Store], tmp_path: Path) -> None:
    url, store = shared
    flow = store.save_flow(simple_flow("long", "test.pause", records=200, seconds=0.25))
    lease = 1.5
    owner = spawn("job", url, str(tmp_path / "work"), "long", str(lease))
    deadline = time.monotonic() + 60
    while not store.running_jobs() and time.monotonic() < deadline:
        time.sleep(0.05)
    [running] = store.running_jobs()
    time.sleep(2 * lease)  # alive and renewing: the lock outlasts its first leases
    job = {"id": "b" * 32, "dataflowId": flow.id, "dataflowName": "long", "attemptNumber": 1, "owner": "test:1"}
    job["startTime"] = iso(utc_now())
    with pytest.raises(AlreadyRunning):
        store.start_job(job)
    owner.send_signal(signal.SIGKILL)
    owner.wait(10)
    killed_at = time.monotonic()
    with pytest.raises(AlreadyRunning):  # its pid is gone, but on a shared store only the lease counts
        store.start_job(job)
    while time.monotonic() - killed_at < 10:
        try:
            store.start_job(job)
            break
        except AlreadyRunning:
            time.sleep(0.05)
    assert time.monotonic() - killed_at < lease + 3.0  # taken over once the last renewed lease ran out
    dead = store.get_job(running["id"])
    assert dead["status"] == "failed" and "its lease ran out" in dead["errorMessage"]
    assert [j["id"] for j in store.running_jobs()] == ["b" * 32]
