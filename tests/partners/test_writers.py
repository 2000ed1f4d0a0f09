"""Each partner writer against its stand-in: transient faults (a rate limit with Retry-After, a 5xx, an expired
token where the partner has tokens) are retried by the engine's policy and cost nothing, and a record the partner
refuses goes down the step's error path with the partner's reason while the others are passed on."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dataflow.testing import CAPTURED, run_spliced
from sandbox.rest import EXPIRED_TOKEN, RATE_LIMIT, SERVER_ERROR
from tests.partners import stand_ins


def _mailchimp(good: list[str], bad: str) -> list[dict[str, Any]]:
    return [{"EMAIL": e, "FNAME": "Ann", "UID": f"u-{e}", "newsletterField": True} for e in [*good, bad]]


def _marketo(good: list[str], bad: str) -> list[dict[str, Any]]:
    return [{"email": e, "firstName": "Ann", "gUID": f"u-{e}"} for e in [*good, bad]]


def _campaignmonitor(good: list[str], bad: str) -> list[dict[str, Any]]:
    return [{"EmailAddress": e, "Name": "Ann", "GigyaUID": f"u-{e}", "newsletterField": True} for e in [*good, bad]]


def _constantcontact(good: list[str], bad: str) -> list[dict[str, Any]]:
    return [{"Email": e, "Custom Field 1": f"u-{e}", "newsletterField": True} for e in [*good, bad]]


def _salesforce(good: list[str], bad: str) -> list[dict[str, Any]]:
    rows = [{"ZZ00_rtl_id__c": f"u-{e}", "LastName": "Doe", "Unique_Email_Gigya__c": e} for e in good]
    return [*rows, {"ZZ00_rtl_id__c": f"u-{bad}", "LastName": "", "Unique_Email_Gigya__c": "x@example.org"}]


def _sfmc(good: list[str], bad: str) -> list[dict[str, Any]]:
    return [{"GUID": f"u-{e}", "EMAIL": e, "FNAME": "Ann"} for e in [*good, bad]]


def _bluekai(good: list[str], bad: str) -> list[dict[str, Any]]:
    return [*({"UID": f"u-{e}", "profile.city": "Oslo"} for e in good), {"profile.city": "Oslo"}]


CASES: dict[str, tuple[str, Callable[[list[str], str], list[dict[str, Any]]], str, dict[str, Any]]] = {
    "mailchimp": (
        "datasource.write.mailchimp",
        _mailchimp,
        "looks fake or invalid",
        {"newsletterField": "newsletterField"},
    ),
    "marketo": ("datasource.write.marketo", _marketo, "Invalid email address", {}),
    "campaignmonitor": (
        "datasource.write.campaignmonitor",
        _campaignmonitor,
        "Invalid Email Address",
        {"newsletterField": "newsletterField"},
    ),
    "constantcontact": ("datasource.write.constantcontact", _constantcontact, "invalid email address", {}),
    "salesforce": (
        "datasource.write.salesforce",
        _salesforce,
        "REQUIRED_FIELD_MISSING",
        {"objectType": "account", "primaryId": "ZZ00_rtl_id__c"},
    ),
    "sfmc": (
        "datasource.write.exacttarget",
        _sfmc,
        "Invalid email address",
        {"dataExtension": "GigyaSubscribers", "primaryKeys": "GUID,EMAIL"},
    ),
    "bluekai": ("datasource.write.bluekai", _bluekai, "has no UID", {"version": "v1.2", "uniqueIdField": "UID"}),
}
RENEWABLE = {"marketo", "constantcontact", "salesforce", "sfmc"}


def _flow(writer: str, params: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "partner writer",
        "steps": [
            {"id": "given", "type": "testing.records", "params": {"records": records}, "next": ["writer"]},
            {"id": "writer", "type": writer, "params": params, "next": ["ok"], "error": ["refused"]},
            {"id": "ok", "type": "testing.capture.records"},
            {"id": "refused", "type": "testing.capture.records"},
        ],
    }


@pytest.mark.parametrize("partner", list(CASES))
def test_faults_are_retried_and_refusals_go_down_the_error_path(partner: str, tmp_path: Path) -> None:
    writer, records_for, reason, extra = CASES[partner]
    sandbox = stand_ins.stand_in(partner)
    good = [f"w{i}-{uuid.uuid4().hex[:8]}@example.org" for i in range(3)]
    bad = "not-an-address"
    params = {**stand_ins.connection(partner, writer), **extra}
    sandbox.faults.rates.retry_after_s = 0
    faults = [RATE_LIMIT, SERVER_ERROR] + ([EXPIRED_TOKEN] if partner in RENEWABLE else [])
    for kind in faults:
        sandbox.faults.fail_next(kind)
    before = dict(sandbox.faults.counts)
    status = run_spliced(_flow(writer, params, records_for(good, bad)), {}, tmp_path)
    assert status["status"] == "succeeded", status.get("errorMessage")
    injected = {kind: sandbox.faults.counts[kind] - before.get(kind, 0) for kind in faults}
    assert injected == dict.fromkeys(faults, 1)
    counts = status["counters"]["writer"]
    assert (counts["in"], counts["out"], counts["errors"]) == (4, 3, 1)
    [refused] = CAPTURED["refused"]
    assert reason in refused["_errorDetails"]["errorMessage"]
    assert len(CAPTURED["ok"]) == 3
    summary = next(line for line in status["trace"] if "retried or re-authenticated" in line)
    assert "HTTP 429" in summary or "code 606" in summary
    for secret in ("clientSecret", "apiKey", "secretKey", "password", "accessToken"):
        if partner != "constantcontact" or secret != "apiKey":  # Constant Contact's apiKey is its client id
            assert not params.get(secret) or str(params[secret]) not in str(status), secret


def test_a_wrong_api_key_fails_the_job_with_the_partners_words(tmp_path: Path) -> None:
    params = {**stand_ins.connection("mailchimp", "datasource.write.mailchimp"), "apiKey": "0" * 32 + "-us1"}
    status = run_spliced(
        _flow("datasource.write.mailchimp", params, _mailchimp(["a@example.org"], "b@example.org")), {}, tmp_path
    )
    assert status["status"] == "failed"
    assert "API key may be invalid" in status["errorMessage"]
