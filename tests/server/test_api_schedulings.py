"""idx.*Scheduling*: a one-time scheduling due now starts its job at once through the job service (status,
counters, watermark), setScheduling replaces and pauses, bad schedulings are refused; idx.killJob stops a job."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dataflow.runtime.jobs import KILL_POLL_SECONDS
from tests.ops.conftest import Gate
from tests.server.client import IdxClient
from tests.server.conftest import SITE_B, Served, file_flow, gated_flow


def wait_for_job(client: IdxClient, scheduling_id: str, status: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = client.ok("idx.search", query=f"SELECT * FROM idx_job_status WHERE schedulingId = '{scheduling_id}'")[
            "result"
        ]
        if found and found[0]["status"] == status:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no {status} job for scheduling {scheduling_id}: {found}")


def test_a_once_scheduling_due_now_runs_the_job_at_once(served: Served, tmp_path: Path) -> None:
    client = served.client()
    flow = client.ok("idx.createDataflow", data=file_flow(tmp_path, rows=25))
    scheduling = {"name": "now", "dataflowId": flow["id"], "frequencyType": "once", "fullExtract": True}
    created = client.ok("idx.createScheduling", data=scheduling)
    job = wait_for_job(client, created["id"], "succeeded")
    assert job["dataflowId"] == flow["id"] and job["apiKey"] == "3_siteA" and job["attemptNumber"] == 1
    assert job["counters"]["rename"] == {"in": 25, "out": 25, "errors": 0, "filtered": 0, "added": 0}
    assert "owner" not in job and "workDir" not in job and job["hostName"]
    assert len(list((tmp_path / "out").glob("out_*.csv"))) == 1
    got = client.ok("idx.getScheduling", id=created["id"])
    assert got["jobId"] == job["id"] and got["nextJobStartTime"] is None  # a one-time scheduling is spent
    assert client.ok("idx.getDataflow", id=flow["id"])["lastRuntime"] == job["startTime"]  # the watermark


def test_set_scheduling_replaces_and_pauses_and_delete_removes(served: Served, tmp_path: Path) -> None:
    client = served.client()
    flow = client.ok("idx.createDataflow", data=file_flow(tmp_path))
    later = "2099-01-01 00:00:00"
    data = {"name": "hourly", "dataflowId": flow["id"], "frequencyType": "hour", "frequencyInterval": 2}
    created = client.ok("idx.createScheduling", data={**data, "nextJobStartTime": later})
    got = client.ok("idx.getScheduling", id=created["id"])
    assert (got["frequencyInterval"], got["enabled"], got["nextJobStartTime"]) == (2, True, "2099-01-01T00:00:00.000Z")
    client.ok("idx.setScheduling", data={**data, "id": created["id"], "enabled": False, "logLevel": "debug"})
    replaced = client.ok("idx.getScheduling", id=created["id"])
    assert replaced["enabled"] is False and replaced["logLevel"] == "debug"
    listed = client.ok("idx.search", query=f"SELECT id, enabled FROM scheduling WHERE dataflowId = '{flow['id']}'")
    assert listed["result"] == [{"id": created["id"], "enabled": False}]
    assert served.client(SITE_B).call("idx.getScheduling", id=created["id"])["errorCode"] == 404000
    client.ok("idx.deleteScheduling", id=created["id"])
    assert client.call("idx.getScheduling", id=created["id"])["errorCode"] == 404000


def test_bad_schedulings_are_refused(served: Served, tmp_path: Path) -> None:
    client = served.client()
    flow = client.ok("idx.createDataflow", data=file_flow(tmp_path))
    base = {"name": "s", "dataflowId": flow["id"], "frequencyType": "day", "frequencyInterval": 1}
    cases = [
        ({**base, "frequencyType": "fortnight"}, 400006),
        ({**base, "frequencyInterval": 0}, 400006),
        ({**base, "nextJobStartTime": "tomorrow-ish"}, 400006),
        ({**base, "dataflowId": "f" * 32}, 404000),
        ({k: v for k, v in base.items() if k != "name"}, 400002),
    ]
    for data, code in cases:
        assert client.call("idx.createScheduling", data=data)["errorCode"] == code, data
    client.ok("idx.createScheduling", data=base)
    assert client.call("idx.createScheduling", data=base)["errorCode"] == 400003  # the name is taken
    assert client.call("idx.setScheduling", data={**base, "id": "nope"})["errorCode"] == 404000


def test_kill_job_stops_a_running_job(served: Served) -> None:
    client = served.client()
    flow = client.ok("idx.createDataflow", data=gated_flow())
    created = client.ok(
        "idx.createScheduling", data={"name": "gated", "dataflowId": flow["id"], "frequencyType": "once"}
    )
    running = wait_for_job(client, created["id"], "running")
    assert Gate.entered.wait(10)
    assert served.client(SITE_B).call("idx.killJob", id=running["id"])["errorCode"] == 404000
    client.ok("idx.killJob", id=running["id"])
    time.sleep(3 * KILL_POLL_SECONDS)  # the job's watcher sees the request and cancels the job
    Gate.opened.set()  # the gate lets the batch through; the job stops at its next check
    killed = wait_for_job(client, created["id"], "killed")
    assert killed["errorMessage"] == "the job was killed"
    again = client.call("idx.killJob", id=running["id"])
    assert again["errorCode"] == 400006 and "not running" in again["errorDetails"]
