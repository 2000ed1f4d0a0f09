"""Credentials: the secret or an HMAC-SHA1 signature (signed by the test client's own code), GET and POST,
replayed nonces, stale timestamps, other sites' keys; httpStatusCodes and the echoed context."""

from __future__ import annotations

import time

import requests

from tests.server.client import sign
from tests.server.conftest import SITE_A, SITE_B, Served

QUERY = "SELECT * FROM dataflow"


def _post(served: Served, form: dict[str, str], method: str = "idx.search") -> dict:
    response = requests.post(f"{served.url}/{method}", data=form, timeout=10)
    assert response.status_code == 200
    return response.json()


def test_signed_requests_are_accepted_over_post_and_get(served: Served) -> None:
    assert served.client(signed=True).ok("idx.search", query=QUERY)["result"] == []
    url = f"{served.url}/idx.search"
    params = sign({"apiKey": SITE_A["apiKey"], "userKey": SITE_A["userKey"], "query": QUERY}, url, SITE_A["secret"])
    assert requests.get(url, params=params, timeout=10).json()["errorCode"] == 0
    canonical = sign(
        {"apiKey": SITE_A["apiKey"], "userKey": SITE_A["userKey"], "query": QUERY},
        "https://idx.eu1.gigya.com/idx.search",  # what an SDK configured for eu1 signs, whatever it reaches
        SITE_A["secret"],
    )
    assert _post(served, canonical)["errorCode"] == 0


def test_bad_credentials_get_their_gigya_codes(served: Served) -> None:
    url = f"{served.url}/idx.search"
    base = {"apiKey": SITE_A["apiKey"], "userKey": SITE_A["userKey"], "query": QUERY}
    assert _post(served, {"query": QUERY})["errorCode"] == 400002  # no apiKey
    assert _post(served, {**base, "apiKey": "3_unknown", "secret": SITE_A["secret"]})["errorCode"] == 400093
    assert _post(served, {**base, "userKey": "stranger", "secret": SITE_A["secret"]})["errorCode"] == 403005
    assert _post(served, {**base, "userKey": SITE_B["userKey"], "secret": SITE_B["secret"]})["errorCode"] == 403005
    assert _post(served, {**base, "secret": SITE_B["secret"]})["errorCode"] == 403003
    assert _post(served, base)["errorCode"] == 400002  # neither secret nor sig
    wrong = sign(base, url, SITE_B["secret"])
    assert _post(served, wrong)["errorCode"] == 403003
    tampered = {**sign(base, url, SITE_A["secret"]), "query": "SELECT id FROM dataflow"}
    assert _post(served, tampered)["errorCode"] == 403003
    signed = sign(base, url, SITE_A["secret"])
    assert _post(served, signed)["errorCode"] == 0
    replay = _post(served, signed)
    assert (replay["errorCode"], replay["errorMessage"]) == (403004, "Duplicate nonce")
    stale = sign(base, url, SITE_A["secret"])
    stale["timestamp"] = str(int(time.time()) - 3600)
    assert _post(served, stale)["errorCode"] == 403002


def test_http_status_codes_and_context_are_honoured(served: Served) -> None:
    form = {"apiKey": SITE_A["apiKey"], "userKey": SITE_A["userKey"], "secret": "d3Jvbmc=", "query": QUERY}
    plain = requests.post(f"{served.url}/idx.search", data={**form, "context": '{"id": 7}'}, timeout=10)
    assert plain.status_code == 200 and plain.json()["context"] == '{"id": 7}'
    strict = requests.post(f"{served.url}/idx.search", data={**form, "httpStatusCodes": "true"}, timeout=10)
    assert strict.status_code == 403 and strict.json()["errorCode"] == 403003


def test_a_body_that_is_not_a_form_is_refused(served: Served) -> None:
    response = requests.post(f"{served.url}/idx.search", json={"query": QUERY}, timeout=10)
    assert response.json()["errorCode"] == 400001


def test_an_unexpected_failure_is_500001_without_a_traceback(served: Served, monkeypatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug inside the server")

    monkeypatch.setattr(served.ctx.store, "search", broken)
    body = served.client().call("idx.search", query=QUERY)
    assert body["errorCode"] == 500001 and body["errorMessage"] == "General Server Error"
    assert "Traceback" not in body["errorDetails"] and "a bug" not in body["errorDetails"]
    assert body["callId"] in body["errorDetails"]
