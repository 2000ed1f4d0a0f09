"""Fault injection: rates with a fixed seed, faulted writes not applied, dropped connections, latency."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
import requests

from sandbox.gigya import GigyaSandbox
from sandbox.gigya.faults import FaultInjector, FaultSettings
from tests.sandbox.client import Client


def test_error_rate_and_code_mix_with_a_fixed_seed() -> None:
    injector = FaultInjector(FaultSettings(rate=0.2, seed=123))
    outcomes = [injector.decide("accounts.search") for _ in range(5000)]
    codes = Counter(f.code for f in outcomes if f is not None)
    assert 0.18 < sum(codes.values()) / 5000 < 0.22
    assert set(codes) == {403048, 500001, 504001} and min(codes.values()) > 250
    replay = FaultInjector(FaultSettings(rate=0.2, seed=123))
    assert [replay.decide("accounts.search") for _ in range(5000)] == outcomes  # the same seed, the same faults
    assert injector.counts["calls"] == 5000


def test_drop_rate_methods_filter_and_queued_faults() -> None:
    injector = FaultInjector(FaultSettings(drop_rate=0.1, rate=0.1, seed=9, methods=frozenset({"accounts.search"})))
    kinds = Counter((f.kind if f else "ok") for f in (injector.decide("accounts.search") for _ in range(4000)))
    assert 0.08 < kinds["drop"] / 4000 < 0.12 and 0.08 < kinds["error"] / 4000 < 0.12
    assert all(injector.decide("accounts.setAccountInfo") is None for _ in range(200))
    injector.configure(rate=0.0, drop_rate=0.0)
    injector.fail_next(409030, method="ds.store")
    injector.fail_next("drop")
    assert injector.decide("accounts.search").kind == "drop"  # the unfiltered one applies to any method
    assert injector.decide("accounts.search") is None
    assert injector.decide("ds.store").code == 409030


def test_faults_through_the_api(sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(fault_rate=0.3)
    client = Client.of(sandbox.credentials)
    answers = Counter(
        client.call("accounts.search", query="SELECT UID FROM accounts LIMIT 1")["errorCode"] for _ in range(400)
    )
    assert 0.22 < 1 - answers[0] / 400 < 0.38
    assert set(answers) == {0, 403048, 500001, 504001}
    faulted = client.call("accounts.search", httpStatusCodes=True, query="SELECT UID FROM accounts LIMIT 1")
    while faulted["errorCode"] == 0:
        faulted = client.call("accounts.search", httpStatusCodes=True, query="SELECT UID FROM accounts LIMIT 1")
    assert faulted["_http"] == faulted["statusCode"] == faulted["errorCode"] // 1000
    assert faulted["errorMessage"] in ("Api rate limit exceeded", "General Server Error", "Timeout")


def test_a_faulted_write_is_not_applied(sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(fault_rate=1.0)
    client = Client.of(sandbox.credentials)
    uid = sandbox.uid(0)
    before = sandbox.account(uid)
    for method, params in [
        ("accounts.setAccountInfo", {"UID": uid, "data": {"subscribed": "never"}}),
        ("accounts.importFullAccount", {"UID": "ghost", "profile": {"firstName": "G"}}),
        ("accounts.importLiteAccount", {"email": "ghost@example.com"}),
        ("accounts.deleteAccount", {"UID": uid}),
        ("ds.store", {"type": "t", "oid": "o", "data": {"a": 1}}),
    ]:
        assert client.call(method, **params)["errorCode"] in (403048, 500001, 504001)
    assert sandbox.account(uid) == before
    assert sandbox.account("ghost") is None and sandbox.count() == 200 and sandbox.count("lite") == 0
    assert sandbox.ds_objects("t") == []
    sandbox.faults.configure(rate=0.0)
    client.ok("accounts.setAccountInfo", UID=uid, data={"subscribed": "once"})
    assert sandbox.account(uid)["data"]["subscribed"] == "once"


def test_a_dropped_connection_gets_no_response_and_applies_nothing(gigya_sandbox: GigyaSandbox) -> None:
    client = Client.of(gigya_sandbox.credentials)
    uid = gigya_sandbox.uid(1)
    before = gigya_sandbox.account(uid)
    gigya_sandbox.faults.fail_next("drop")
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{gigya_sandbox.url}/accounts.setAccountInfo",
            data=client.params("accounts.setAccountInfo", {"UID": uid, "data": {"x": 1}}),
            timeout=10,
        )
    assert gigya_sandbox.account(uid) == before
    assert client.call("accounts.search", query="SELECT UID FROM accounts LIMIT 1")["errorCode"] == 0  # serving on
    assert gigya_sandbox.faults.counts["drops"] == 1
    with pytest.raises(ConnectionError):
        gigya_sandbox.faults.fail_next("drop")
        gigya_sandbox.call("accounts.search", query="SELECT UID FROM accounts")


def test_a_lost_answer_applies_the_call_then_closes_the_connection(gigya_sandbox: GigyaSandbox) -> None:
    client = Client.of(gigya_sandbox.credentials)
    uid = gigya_sandbox.uid(2)
    gigya_sandbox.faults.fail_next("lost", method="accounts.setAccountInfo")
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{gigya_sandbox.url}/accounts.setAccountInfo",
            data=client.params("accounts.setAccountInfo", {"UID": uid, "data": {"lost": 1}}),
            timeout=10,
        )
    assert gigya_sandbox.account(uid)["data"]["lost"] == 1  # carried out, only the answer is missing
    assert gigya_sandbox.faults.counts["lost"] == 1
    assert gigya_sandbox.audit_rows("accounts.setAccountInfo")[-1]["errCode"] == "0"


def test_lost_answers_take_their_share_after_drops_without_changing_older_seeds() -> None:
    plain = FaultInjector(FaultSettings(rate=0.2, drop_rate=0.1, seed=4))
    lossy = FaultInjector(FaultSettings(rate=0.2, drop_rate=0.1, lost_rate=0.1, seed=4))
    assert FaultInjector(FaultSettings(rate=0.2, drop_rate=0.1, lost_rate=0.0, seed=4)).decide("x") == plain.decide("x")
    kinds = Counter((f.kind if f else "ok") for f in (lossy.decide("ds.store") for _ in range(4000)))
    assert 0.08 < kinds["lost"] / 4000 < 0.12 and 0.08 < kinds["drop"] / 4000 < 0.12
    assert 0.18 < kinds["error"] / 4000 < 0.22


def test_drop_rate_over_http(sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(drop_rate=0.25)
    client = Client.of(sandbox.credentials)
    outcomes = Counter()
    for _ in range(200):
        try:
            client.session = requests.Session()
            outcomes[client.call("accounts.search", query="SELECT UID FROM accounts LIMIT 1")["errorCode"]] += 1
        except requests.ConnectionError:
            outcomes["dropped"] += 1
    assert 0.15 < outcomes["dropped"] / 200 < 0.35 and outcomes[0] + outcomes["dropped"] == 200


def test_latency_is_added_to_every_call(sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(latency_ms=120)
    client = Client.of(sandbox.credentials)
    started = time.perf_counter()
    for _ in range(3):
        client.ok("accounts.search", query="SELECT UID FROM accounts LIMIT 1")
    assert time.perf_counter() - started >= 0.36
