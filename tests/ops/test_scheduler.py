"""The scheduler on a simulated clock: firing times, no overlap, retries, recovery after a crash."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import wait
from datetime import timedelta

from dataflow.clock import iso
from dataflow.runtime.jobs import KILL_POLL_SECONDS, JobRequest, resolve
from dataflow.scheduler import Scheduler
from dataflow.store import Store
from tests.ops.conftest import FailWhen, FakeClock, Gate, simple_flow


def _schedule(store: Store, flow_name: str, middle: str, frequency: str, interval: int | None, start: str) -> dict:
    flow = store.save_flow(simple_flow(flow_name, middle))
    return store.add_scheduling(
        {
            "name": f"{flow_name} schedule",
            "dataflowId": flow.id,
            "frequencyType": frequency,
            "frequencyInterval": interval,
            "nextJobStartTime": start,
            "enabled": True,
        }
    )


def _simulate(scheduler: Scheduler, clock: FakeClock, hours: int, step_minutes: int = 5) -> list[str]:
    """Tick every few simulated minutes; return the simulated times at which jobs started."""
    fired = []
    for _ in range(hours * 60 // step_minutes):
        started = scheduler.tick()
        if started:
            fired.append(iso(clock()))
            wait(started)
        clock.advance(minutes=step_minutes)
    return fired


def test_daily_and_hourly_fire_at_the_right_utc_times(service, store, clock) -> None:
    _schedule(store, "daily", "test.flag", "day", 1, "2026-03-01T02:00:00.000Z")
    _schedule(store, "hourly", "test.flag", "hour", 1, "2026-03-01T00:30:00.000Z")
    scheduler = Scheduler(service, clock=clock, log=lambda _: None, max_workers=2)
    fired = _simulate(scheduler, clock, hours=24)
    scheduler.shutdown()
    jobs = store.list_jobs(limit=100)
    daily = sorted(j["startTime"] for j in jobs if j["dataflowName"] == "daily")
    hourly = sorted(j["startTime"] for j in jobs if j["dataflowName"] == "hourly")
    assert daily == ["2026-03-01T02:00:00.000Z"]
    assert hourly == [f"2026-03-01T{hour:02d}:30:00.000Z" for hour in range(24)]
    assert all(j["status"] == "succeeded" for j in jobs)
    assert len(fired) == 25
    daily_scheduling = store.get_scheduling("daily schedule")
    assert daily_scheduling["nextJobStartTime"] == "2026-03-02T02:00:00.000Z"


def test_a_run_overlapping_the_next_tick_is_not_started_twice(service, store, clock) -> None:
    _schedule(store, "slow", "test.gate", "minute", 5, "2026-03-01T00:00:00.000Z")
    scheduler = Scheduler(service, clock=clock, log=lambda _: None, max_workers=4)
    first = scheduler.tick()
    assert len(first) == 1
    assert Gate.entered.wait(10)
    for _ in range(6):  # 30 simulated minutes with the first job still running
        clock.advance(minutes=5)
        assert scheduler.tick() == []
    assert len(store.running_jobs()) == 1
    Gate.opened.set()
    wait(first)
    clock.advance(seconds=1)
    second = scheduler.tick()  # the missed slots are coalesced into one run
    assert len(second) == 1
    wait(second)
    assert scheduler.tick() == []
    scheduler.shutdown()
    assert [j["status"] for j in store.list_jobs("slow")] == ["succeeded", "succeeded"]


def test_failed_jobs_are_retried_with_backoff_and_attempt_numbers(service, store, clock) -> None:
    _schedule(store, "flaky", "test.failwhen", "day", 1, "2026-03-01T00:00:00.000Z")
    FailWhen.failing.set()
    scheduler = Scheduler(service, clock=clock, log=lambda _: None)
    wait(scheduler.tick())
    scheduling = store.get_scheduling("flaky schedule")
    assert scheduling["retryAttempt"] == 2
    assert scheduling["retryAt"] == "2026-03-01T00:01:00.000Z"  # 60 s back-off
    clock.set(clock() + timedelta(seconds=59))
    assert scheduler.tick() == []
    clock.advance(seconds=1)
    wait(scheduler.tick())
    assert store.get_scheduling("flaky schedule")["retryAt"] == "2026-03-01T00:03:00.000Z"  # 120 s later
    FailWhen.failing.clear()
    clock.advance(minutes=2)
    wait(scheduler.tick())
    scheduler.shutdown()
    jobs = sorted(store.list_jobs("flaky"), key=lambda j: j["startTime"])
    assert [(j["attemptNumber"], j["status"]) for j in jobs] == [(1, "failed"), (2, "failed"), (3, "succeeded")]
    assert store.get_scheduling("flaky schedule")["retryAt"] is None
    assert jobs[0]["errorMessage"] == "step 'mid' (test.failwhen) failed: the service is down"


def test_a_scheduler_killed_mid_job_restarts_marks_and_retries_it(service, store, clock) -> None:
    scheduling = _schedule(store, "crashy", "test.flag", "day", 1, "2026-03-02T00:00:00.000Z")
    # what a scheduler process that died mid-job leaves behind: a running job owned by a process that is gone,
    # whose lease has run out (on SQLite the missing pid alone tells; on PostgreSQL only the lease does)
    store.start_job(
        {
            "id": "d" * 32,
            "dataflowId": scheduling["dataflowId"],
            "dataflowName": "crashy",
            "schedulingId": scheduling["id"],
            "startTime": "2026-03-01T00:00:00.000Z",
            "attemptNumber": 1,
            "owner": f"{socket.gethostname()}:999999999",
        },
        lease_seconds=0,
    )
    scheduler = Scheduler(service, clock=clock, log=lambda _: None)
    assert scheduler.recover() == ["d" * 32]
    dead = store.get_job("d" * 32)
    assert dead["status"] == "failed" and dead["errorMessage"] == "the scheduler stopped while this job was running"
    clock.advance(minutes=1)
    wait(scheduler.tick())
    scheduler.shutdown()
    retried = [j for j in store.list_jobs("crashy") if j["id"] != "d" * 32]
    assert [(j["attemptNumber"], j["status"]) for j in retried] == [(2, "succeeded")]


def test_watermark_moves_only_when_a_job_succeeds(service, store, clock) -> None:
    flow = store.save_flow(simple_flow("marks", "test.failwhen"))
    target = resolve(store, "marks", {}, registry=service.registry)
    first = service.run(JobRequest(target=target))
    assert first["status"] == "succeeded"
    assert iso(store.get_watermark(flow.id)) == first["startTime"]
    assert first["deltaSince"] == "2026-02-28T00:00:00.000Z"  # no watermark yet: the last 24 hours
    clock.advance(hours=1)
    FailWhen.failing.set()
    failed = service.run(JobRequest(target=target))
    assert failed["status"] == "failed"
    assert iso(store.get_watermark(flow.id)) == first["startTime"]
    assert failed["deltaSince"] == first["startTime"]
    FailWhen.failing.clear()
    clock.advance(hours=1)
    third = service.run(JobRequest(target=target))
    assert third["deltaSince"] == first["startTime"]  # the failed run left the window where it was
    assert iso(store.get_watermark(flow.id)) == third["startTime"]
    full = service.run(JobRequest(target=target, full_extract=True))
    assert full["deltaSince"] is None


def test_a_kill_request_stops_a_running_job(service, store, clock) -> None:
    store.save_flow(simple_flow("long", "test.gate"))
    target = resolve(store, "long", {}, registry=service.registry)
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(service.run(JobRequest(target=target))))
    worker.start()
    assert Gate.entered.wait(10)
    [running] = store.running_jobs()
    assert store.request_kill(running["id"])
    time.sleep(3 * KILL_POLL_SECONDS)  # the job's watcher sees the request and cancels the job
    Gate.opened.set()
    worker.join(10)
    assert result["status"] == "killed"
    assert store.get_job(running["id"])["status"] == "killed"


def test_the_running_scheduler_prunes_work_directories_past_the_retention(service, store, clock, tmp_path) -> None:
    old_dir = tmp_path / "old-job"
    old_dir.mkdir()
    job = {"id": "e" * 32, "dataflowId": "f", "dataflowName": "old", "startTime": "2026-01-01T00:00:00.000Z"}
    store.start_job({**job, "attemptNumber": 1, "owner": "elsewhere:1", "workDir": str(old_dir)})
    store.finish_job({**job, "status": "succeeded", "endTime": "2026-01-01T00:01:00.000Z", "workDir": str(old_dir)})
    scheduler = Scheduler(service, clock=clock, log=lambda _: None)
    stop = threading.Event()
    worker = threading.Thread(target=scheduler.run_forever, args=(stop, 0.01))
    worker.start()
    deadline = time.monotonic() + 10
    while old_dir.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    worker.join(10)
    assert not old_dir.exists()
    assert store.get_job("e" * 32)["workDir"] is None


def test_a_scheduled_job_mails_its_summary(store, clock, tmp_path) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    from dataflow.runtime.jobs import JobService
    from dataflow.settings import Settings, SmtpSettings
    from tests.ops.conftest import ops_registry

    received = []

    class Keep(Message):
        def handle_message(self, message) -> None:
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = Settings(smtp=SmtpSettings(host="127.0.0.1", port=port, sender="dataflow@example.org"))
        service = JobService(store, settings, tmp_path / "jobs", clock=clock, environ={}, registry=ops_registry())
        flow = store.save_flow(simple_flow("mailed"))
        store.add_scheduling(
            {
                "name": "mailed daily",
                "dataflowId": flow.id,
                "frequencyType": "day",
                "frequencyInterval": 1,
                "nextJobStartTime": "2026-03-01T00:00:00.000Z",
                "successEmailNotification": "ops@example.com",
                "failureEmailNotification": "oncall@example.com",
            }
        )
        scheduler = Scheduler(service, clock=clock, log=lambda _: None)
        wait(scheduler.tick())
        scheduler.shutdown()
    finally:
        controller.stop()
    [mail] = received
    assert mail["To"] == "ops@example.com"
    assert mail["Subject"] == "[dataflow] mailed: job succeeded"
    assert "Status: succeeded" in mail.get_payload() and "sink" in mail.get_payload()


def test_a_job_whose_lease_was_taken_over_stops_and_records_nothing(store, clock, tmp_path) -> None:
    from dataflow.runtime.jobs import LEASE_LOST, JobService
    from dataflow.settings import Settings
    from tests.ops.conftest import ops_registry

    service = JobService(store, Settings(lease_seconds=0.6), tmp_path / "jobs", clock=clock, registry=ops_registry())
    flow = store.save_flow(simple_flow("taken", "test.gate"))
    target = resolve(store, "taken", {}, registry=service.registry)
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(service.run(JobRequest(target=target))))
    Gate.opened.clear()
    Gate.entered.clear()
    worker.start()
    try:
        assert Gate.entered.wait(10)
        [running] = store.running_jobs()
        # another process decided this job was dead (its lease ran out) and took the flow over
        assert store.mark_failed(running["id"], "taken over", "2026-03-01T00:00:01.000Z")
        other = {**running, "id": "f" * 32, "owner": "elsewhere:1"}
        store.start_job(other)
        time.sleep(1.0)  # the job's next renewal fails, and the job is cancelled
    finally:
        Gate.opened.set()
    worker.join(10)
    assert result["status"] == "failed" and result["errorMessage"] == LEASE_LOST
    assert store.get_job(running["id"])["errorMessage"] == "taken over"  # the takeover's record stands
    assert store.get_watermark(flow.id) is None
    assert [job["id"] for job in store.running_jobs()] == ["f" * 32]


def test_job_status_carries_identitysync_fields(service, store, clock) -> None:
    """createTime, updateTime, processedRecords, hostName, frequencyType, frequencyInterval (identitysync.md §3.4)."""
    scheduling = _schedule(store, "hourly", "test.flag", "hour", 2, "2026-03-01T00:00:00.000Z")
    scheduler = Scheduler(service, clock=clock, log=lambda _: None, max_workers=1)
    wait(scheduler.tick())
    scheduler.shutdown()
    [job] = store.list_jobs()
    assert (job["frequencyType"], job["frequencyInterval"], job["schedulingId"]) == ("hour", 2, scheduling["id"])
    assert job["createTime"] == job["startTime"] == "2026-03-01T00:00:00.000Z" and job["updateTime"] == job["endTime"]
    assert job["hostName"] == socket.gethostname()
    assert job["totalRecords"] == job["processedRecords"] == 2
    by_hand = service.run(JobRequest(resolve(store, "hourly", {}, registry=service.registry)))
    assert (by_hand["frequencyType"], by_hand["frequencyInterval"]) == ("once", None)
