"""Seeded fault injection: 5xx answers, early token expiry, failing jobs and the concurrency cap.

The rates are checked statistically (wide bounds, fixed seeds, so the tests are deterministic), and every
faulted call is checked to have applied nothing.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import requests

from sandbox.silverpop import FaultConfig, ManualClock, SilverpopConfig
from tests.sandbox_silverpop.client import XmlClient, columns, envelope

LISTS = envelope("GetLists", "<VISIBILITY>0</VISIBILITY><LIST_TYPE>0</LIST_TYPE>")


def _adds(client: XmlClient, count: int, prefix: str) -> list[int]:
    master = client.sandbox.lists["Gigya Master"]
    statuses = []
    for number in range(count):
        xml = envelope("AddRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid=f"{prefix}{number}"))
        answer = client.call(xml)
        if answer.status_code == 401:
            client.refresh()
        statuses.append(answer.status_code)
    return statuses


def _added(client: XmlClient, prefix: str) -> list[int]:
    master = client.sandbox.lists["Gigya Master"]
    uids = [c["fields"]["GigyaUid"] for c in client.sandbox.contacts(master)]
    return sorted(int(uid[len(prefix) :]) for uid in uids if uid.startswith(prefix))


def test_server_errors_at_the_configured_rate_apply_nothing(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    config = SilverpopConfig(seed=7, faults=FaultConfig(server_error_rate=0.3), job_waiting_s=10, job_running_s=10)
    client = XmlClient(silverpop_factory(config))
    statuses = _adds(client, 200, "fault-")
    failed = [number for number, status in enumerate(statuses) if status == 503]
    assert 40 <= len(failed) <= 80
    assert set(statuses) == {200, 503}
    assert _added(client, "fault-") == [number for number, status in enumerate(statuses) if status == 200]
    assert client.sandbox.fault_counts["server_error"] == len(failed)
    body = ET.fromstring(_faulted_body(client))
    assert body.findtext("Body/Fault/detail/error/errorid") == "50"


def _faulted_body(client: XmlClient) -> bytes:
    for _ in range(100):
        answer = client.call(LISTS)
        if answer.status_code == 503:
            return answer.content
    raise AssertionError("no 503 in 100 calls at rate 0.3")


def test_fault_draws_are_deterministic_by_seed(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    def pattern(seed: int) -> list[int]:
        config = SilverpopConfig(seed=seed, faults=FaultConfig(server_error_rate=0.5))
        return _adds(XmlClient(silverpop_factory(config)), 30, "d-")

    assert pattern(11) == pattern(11)
    assert pattern(11) != pattern(12)


def test_early_token_expiry_forces_a_refresh_and_applies_nothing(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    config = SilverpopConfig(seed=3, faults=FaultConfig(token_expiry_rate=0.2))
    client = XmlClient(silverpop_factory(config))
    statuses = _adds(client, 100, "tok-")
    expired = statuses.count(401)
    assert 8 <= expired <= 35
    assert _added(client, "tok-") == [number for number, status in enumerate(statuses) if status == 200]
    # the expired token stays revoked: reusing it gets 401 without any draw
    client.refresh()
    token = client.token
    while client.call(LISTS, token=token).status_code == 200:
        pass
    assert client.call(LISTS, token=token).status_code == 401


def test_jobs_end_in_error_at_the_configured_rate(silverpop_factory, silverpop_clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    config = SilverpopConfig(seed=5, faults=FaultConfig(job_error_rate=0.5), job_waiting_s=1, job_running_s=1)
    client = XmlClient(silverpop_factory(config))
    master = client.sandbox.lists["Gigya Master"]
    jobs = []
    for _ in range(40):
        result = client.ok("ExportList", f"<LIST_ID>{master}</LIST_ID><EXPORT_TYPE>ALL</EXPORT_TYPE>")
        jobs.append((result.findtext("JOB_ID") or "", (result.findtext("FILE_PATH") or "").removeprefix("/download/")))
    silverpop_clock.advance(5)
    outcomes = [client.job_status(job_id)[0] for job_id, _ in jobs]
    assert set(outcomes) == {"COMPLETE", "ERROR"}
    assert 10 <= outcomes.count("ERROR") <= 30
    files = set(client.sandbox.download_files())
    for (_, name), outcome in zip(jobs, outcomes, strict=True):
        assert (name in files) == (outcome == "COMPLETE")


def test_a_failed_import_job_applies_nothing(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    config = SilverpopConfig(faults=FaultConfig(job_error_rate=1.0))
    sandbox = silverpop_factory(config)
    client = XmlClient(sandbox)
    master = sandbox.lists["Gigya Master"]
    plan = (
        f"<LIST_IMPORT><LIST_INFO><ACTION>ADD_AND_UPDATE</ACTION><LIST_ID>{master}</LIST_ID></LIST_INFO>"
        "<MAPPING><COLUMN><INDEX>1</INDEX><NAME>GigyaUid</NAME></COLUMN></MAPPING></LIST_IMPORT>"
    )
    (sandbox.upload_dir / "m.xml").write_text(plan)
    (sandbox.upload_dir / "d.csv").write_text("never-1\nnever-2\n")
    job_id = (
        client.ok("ImportList", "<MAP_FILE>m.xml</MAP_FILE><SOURCE_FILE>d.csv</SOURCE_FILE>").findtext("JOB_ID") or ""
    )
    sandbox.step_jobs()
    sandbox.step_jobs()
    assert client.job_status(job_id)[0] == "ERROR"
    assert sandbox.contact(master, GigyaUid="never-1") is None
    assert "injected" in (sandbox.download_dir / f"{job_id}.err").read_text()


def test_the_eleventh_concurrent_request_is_rejected(sp_client: XmlClient) -> None:
    sandbox = sp_client.sandbox
    token = sp_client.refresh()

    def call(_: int) -> int:
        answer = requests.post(
            sandbox.api_url, data={"xml": LISTS}, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        return answer.status_code

    with ThreadPoolExecutor(10) as pool:
        with sandbox.hold_requests():
            futures = [pool.submit(call, number) for number in range(10)]
            deadline = time.monotonic() + 10
            while sandbox.in_flight < 10 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert sandbox.in_flight == 10
            rejected = requests.post(
                sandbox.api_url, data={"xml": LISTS}, headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
        results = [future.result() for future in futures]
    assert rejected.status_code == 429
    assert ET.fromstring(rejected.content).findtext("Body/Fault/detail/error/errorid") == "50"
    assert results == [200] * 10
    assert sandbox.in_flight == 0 and sandbox.fault_counts["concurrency"] == 1


def test_a_rejected_concurrent_call_applies_nothing(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    sandbox = silverpop_factory(SilverpopConfig(faults=FaultConfig(max_concurrent=1)))
    client = XmlClient(sandbox)
    token = client.refresh()
    master = sandbox.lists["Gigya Master"]
    add = envelope("AddRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid="late"))
    with ThreadPoolExecutor(1) as pool, sandbox.hold_requests():
        held = pool.submit(
            requests.post, sandbox.api_url, data={"xml": LISTS}, headers={"Authorization": f"Bearer {token}"}
        )
        while sandbox.in_flight < 1:
            time.sleep(0.01)
        assert client.call(add).status_code == 429
    assert held.result().status_code == 200
    assert sandbox.contact(master, GigyaUid="late") is None


def test_a_lost_answer_is_carried_out_and_the_connection_closed(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    config = SilverpopConfig(seed=5, faults=FaultConfig(lost_answer_rate=0.3), job_waiting_s=10, job_running_s=10)
    client = XmlClient(silverpop_factory(config))
    master = client.sandbox.lists["Gigya Master"]
    lost = []
    for number in range(60):
        xml = envelope("AddRecipient", f"<LIST_ID>{master}</LIST_ID>" + columns(GigyaUid=f"lost-{number}"))
        try:
            assert client.call(xml).status_code == 200
        except requests.ConnectionError:
            lost.append(number)
            client.session = requests.Session()
    assert 8 <= len(lost) <= 30 and client.sandbox.fault_counts["lost_answer"] == len(lost)
    assert _added(client, "lost-") == list(range(60))  # every call was carried out, answered or not
