"""The Silverpop client against the sandbox: OAuth caching and renewal, 401 mid-run, faults, retries, the 10 cap."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from dataflow.errors import FatalError
from dataflow.retry import RetryPolicy
from sandbox.silverpop import FaultConfig, ManualClock, SilverpopConfig, SilverpopSandbox, web
from sandbox.silverpop.faults import FaultInjector
from steps.silverpop import ops, xmlapi
from steps.silverpop.client import SilverpopClient
from steps.silverpop.errors import SilverpopAuthError, SilverpopFault
from steps.silverpop.oauth import TokenProvider
from steps.silverpop.org import Gate, Org, org_for
from steps.silverpop.settings import Settings, api_base, normalize_api_url, resolve, sftp_host
from tests.silverpop.conftest import SandboxFactory

FAST = RetryPolicy(retries=10, base_delay=0.001, max_delay=0.01)


def settings_for(sandbox: SilverpopSandbox, **changes: str) -> Settings:
    config = sandbox.config
    params = {
        "clientId": config.client_id,
        "clientSecret": config.client_secret,
        "refreshToken": config.refresh_token,
        "apiUrl": sandbox.api_url,
        **changes,
    }
    return resolve(params)


def private_client(sandbox: SilverpopSandbox, clock: ManualClock | None = None, **changes: str) -> SilverpopClient:
    """A client with an org of its own (not the process-wide one), on ``clock`` when given."""
    settings = settings_for(sandbox, **changes)
    now = clock.now if clock is not None else None
    tokens = TokenProvider(settings, requests.Session(), FAST, **({"clock": now} if now else {}))
    return SilverpopClient(settings, org=Org(Gate(), tokens), retry=FAST)


def metadata(client: SilverpopClient, sandbox: SilverpopSandbox) -> ops.ListMeta:
    return ops.list_metadata(client, str(sandbox.lists["Gigya Master"]))


def test_pods_map_to_the_documented_hosts() -> None:
    assert api_base(5) == "https://api-campaign-us-5.goacoustic.com"
    assert api_base("6") == "https://api-campaign-eu-1.goacoustic.com"
    assert api_base("A") == "https://api-campaign-ap-1.goacoustic.com"
    assert api_base(9) == "https://api-campaign-us-6.goacoustic.com"
    assert api_base(0) == "https://api.pilot.silverpop.com"
    assert sftp_host(5) == "transfer-campaign-us-5.goacoustic.com"
    assert normalize_api_url("http://127.0.0.1:8080/XMLAPI/") == "http://127.0.0.1:8080"
    settings = resolve({"clientId": "c", "clientSecret": "secret-1", "refreshToken": "refresh-2", "podNumber": 7})
    assert settings.api_url == "https://api-campaign-ap-2.goacoustic.com/XMLAPI"
    assert settings.sftp_host == "transfer-campaign-ap-2.goacoustic.com" and settings.sftp_oauth
    assert "secret-1" not in repr(settings) and "refresh-2" not in repr(settings)


def test_token_is_cached_and_renewed_before_it_expires() -> None:
    clock = ManualClock(1_700_000_000.0)
    sandbox = SilverpopSandbox(SilverpopConfig(), clock=clock, tick_s=None).start()
    try:
        client = private_client(sandbox, clock)
        for _ in range(5):
            metadata(client, sandbox)
        assert client.org.tokens.stats.issued == 1  # one token for every call
        clock.advance(3 * 3600 + 60)  # three quarters of a 4 h token: renew before the server would refuse it
        metadata(client, sandbox)
        clock.advance(3600)  # the first token is now dead on the server; the renewed one is not
        metadata(client, sandbox)
        stats = client.org.tokens.stats
        assert (stats.issued, stats.proactive, stats.after_rejection) == (2, 1, 0)
        assert "HTTP 401" not in client.retried
    finally:
        sandbox.stop()


def test_a_token_revoked_mid_run_is_replaced_and_the_call_sent_again(sp: SilverpopSandbox) -> None:
    client = private_client(sp)
    metadata(client, sp)
    sp.expire_tokens()
    assert metadata(client, sp).name == "Gigya Master"
    assert client.retried["HTTP 401"] == 1
    assert client.org.tokens.stats.after_rejection == 1


def test_injected_token_expiry_and_5xx_are_survived(sp_factory: SandboxFactory) -> None:
    sandbox = sp_factory(FaultConfig(server_error_rate=0.3, token_expiry_rate=0.2, seed=5))
    client = private_client(sandbox)
    for _ in range(40):
        assert metadata(client, sandbox).key_columns == ["GigyaUid"]
    counts = sandbox.fault_counts
    assert counts["server_error"] > 0 and counts["token_expiry"] > 0
    assert client.retried["HTTP 503"] == counts["server_error"]
    assert client.retried["HTTP 401"] == counts["token_expiry"]


def test_bad_credentials_fail_at_once_without_showing_the_secret(sp: SilverpopSandbox) -> None:
    client = private_client(sp, clientSecret="not-the-secret-value")
    with pytest.raises(SilverpopAuthError) as caught:
        metadata(client, sp)
    assert "invalid_client" in str(caught.value)
    assert "not-the-secret-value" not in str(caught.value)
    assert sp.config.refresh_token not in str(caught.value)


def test_a_fault_is_raised_with_its_errorid_and_not_retried(sp: SilverpopSandbox) -> None:
    client = private_client(sp)
    with pytest.raises(SilverpopFault) as caught:
        ops.list_metadata(client, "999")
    assert caught.value.errorid == 108
    assert "999" in str(caught.value) and "GetListMetaData" in str(caught.value)
    assert client.calls == 1


def test_never_more_than_ten_calls_in_flight(sp_factory: SandboxFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """30 threads over two clients of one org; the server sees at most 10 requests awaiting their answer.

    The server-side count here runs from a request's admission to the start of its answer. The sandbox's own
    cap counter is released only after the answer is written, so a client that sends its next request the
    moment it has an answer can briefly look like an 11th (a 429, which the client retries); the test counts
    those too, and requires that every one was retried.
    """
    sandbox = sp_factory(latency_s=0.03)
    waiting = {"now": 0, "peak": 0}
    lock = threading.Lock()
    admitted = threading.local()
    enter, send = FaultInjector.enter, web.Handler._send

    def counting_enter(self: FaultInjector) -> bool:
        ok = enter(self)
        if ok:
            admitted.flag = True
            with lock:
                waiting["now"] += 1
                waiting["peak"] = max(waiting["peak"], waiting["now"])
        return ok

    def counting_send(self: web.Handler, *args: object, **kwargs: object) -> None:
        if getattr(admitted, "flag", False):
            admitted.flag = False
            with lock:
                waiting["now"] -= 1
        send(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(FaultInjector, "enter", counting_enter)
    monkeypatch.setattr(web.Handler, "_send", counting_send)
    settings = settings_for(sandbox)
    org = org_for(settings, FAST)
    clients = [SilverpopClient(settings, org=org, retry=FAST) for _ in range(2)]
    with ThreadPoolExecutor(30) as pool:
        names = set(pool.map(lambda index: metadata(clients[index % 2], sandbox).name, range(120)))
    assert names == {"Gigya Master"}
    assert org.gate.peak == 10  # the client side: ten at once, never more
    assert 1 < waiting["peak"] <= 10  # the server side: never more (fewer when the two cores lag behind)
    assert sum(client.retried["HTTP 429"] for client in clients) == sandbox.fault_counts["concurrency"]


def test_answers_are_parsed_safely() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<Envelope><Body><RESULT><SUCCESS>&lol2;</SUCCESS></RESULT></Body></Envelope>"
    )
    with pytest.raises(xmlapi.BadAnswer):
        xmlapi.parse_answer(bomb)
    answer = xmlapi.parse_answer(
        b"<Envelope><Body><RESULT><SUCCESS>false</SUCCESS></RESULT><Fault><FaultString>No</FaultString>"
        b"<detail><error><errorid>128</errorid><class>SP.ListManager</class></error></detail></Fault></Body></Envelope>"
    )
    assert answer.fault == ("No", 128, "SP.ListManager")


def test_requests_are_built_as_xml_not_text() -> None:
    op = xmlapi.operation("AddRecipient", {"LIST_ID": 1, "UPDATE_IF_FOUND": True, "SKIP": None})
    op.append(xmlapi.element("COLUMN", "</VALUE><evil/>"))
    text = xmlapi.envelope(op)
    assert "<UPDATE_IF_FOUND />" in text and "SKIP" not in text
    assert "&lt;/VALUE&gt;&lt;evil/&gt;" in text


@pytest.mark.parametrize("answer", ["", "DONE?", "<html>"])
def test_a_job_status_that_is_no_status_fails_at_once(answer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server answering GetJobStatus without a status it could ever change would be polled for hours."""
    asked = []
    monkeypatch.setattr(
        ops, "job_status", lambda client, job_id: asked.append(job_id) or ops.JobStatus(job_id, answer, "", {})
    )
    with pytest.raises(FatalError, match=r"GetJobStatus for job 7 with .*not a job status"):
        ops.wait_for_job(None, 7, poll=0.001, timeout=3600)  # type: ignore[arg-type]
    assert asked == [7]
