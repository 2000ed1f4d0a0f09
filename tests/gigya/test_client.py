"""The client against a scripted transport: what it signs and sends, and how it recovers from each failure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import subprocess
from urllib.parse import quote

import pytest
import requests

from dataflow.retry import RetryPolicy
from steps.gigya import errors, jwt, signing
from steps.gigya.client import GigyaClient
from steps.gigya.settings import SiteSettings
from tests.gigya.fakes import FakeGigya, envelope

SECRET = base64.b64encode(b"0123456789abcdefghij").decode()
FAST = RetryPolicy(retries=4, base_delay=0.001, max_delay=0.002)


def make_client(fake: FakeGigya, **settings: object) -> GigyaClient:
    options = {"api_key": "3_KEY", "user_key": "AKUSER", "secret": SECRET, "base_url": "http://gigya.test:8080"}
    options.update(settings)
    client = GigyaClient(SiteSettings(**options), retry=FAST)  # type: ignore[arg-type]
    client.session.mount("http://", fake)
    client.session.mount("https://", fake)
    return client


def reference_signature(secret: str, url: str, params: dict[str, str]) -> str:
    """gigya.md §2, written out independently of steps.gigya.signing."""
    enc = lambda text: quote(text, safe="-._~")  # noqa: E731
    query = "&".join(f"{k}={enc(v)}" for k, v in sorted(params.items()) if k != "sig")
    base = "POST&" + enc(url) + "&" + enc(query)
    return base64.b64encode(hmac.new(base64.b64decode(secret), base.encode(), hashlib.sha1).digest()).decode()


def test_signed_request_carries_what_gigya_checks() -> None:
    fake = FakeGigya()
    make_client(fake).call("accounts.getAccountInfo", {"UID": "u 1*", "data": {"a": [1, True]}, "flag": False})
    sent = fake.sent[0]
    assert sent.url == "http://gigya.test:8080/accounts.getAccountInfo"
    params = sent.params
    assert params["UID"] == "u 1*" and params["data"] == '{"a":[1,true]}' and params["flag"] == "false"
    assert params["apiKey"] == "3_KEY" and params["userKey"] == "AKUSER" and params["format"] == "json"
    assert params["httpStatusCodes"] == "false"
    assert params["timestamp"].isdigit() and len(params["timestamp"]) == 10  # unix seconds
    assert "secret" not in params and SECRET not in str(sent)
    assert params["sig"] == reference_signature(SECRET, "http://gigya.test:8080/accounts.getAccountInfo", params)


def test_signature_base_string_normalises_the_url() -> None:
    params = {"b": "x y", "a": "*~"}
    assert signing.normalized_url("HTTPS://Accounts.US1.gigya.com:443/accounts.search") == (
        "https://accounts.us1.gigya.com/accounts.search"
    )
    assert signing.base_string("post", "http://h:80/m", params) == "POST&http%3A%2F%2Fh%2Fm&a%3D%252A~%26b%3Dx%2520y"


def test_default_hosts_follow_the_data_center() -> None:
    assert (
        SiteSettings("k", secret=SECRET).url_for("accounts.search") == "https://accounts.us1.gigya.com/accounts.search"
    )
    assert (
        SiteSettings("k", secret=SECRET, data_center="eu1").url_for("ds.store") == "https://ds.eu1.gigya.com/ds.store"
    )
    assert SiteSettings("k", secret=SECRET, data_center="cn1").url_for("gm.x") == "https://gm.cn1.sapcdm.cn/gm.x"
    assert SiteSettings("k", secret=SECRET, data_center="global").api_domain == "global.gigya.com"


def test_nonces_are_unique_across_calls() -> None:
    assert len({signing.new_nonce() for _ in range(10_000)}) == 10_000


def test_transient_errors_and_transport_failures_are_retried_with_a_fresh_signature() -> None:
    fake = FakeGigya(
        answers=[
            envelope(403048),
            requests.ConnectionError("reset"),
            requests.Timeout("slow"),
            b'{"errorCode": 0, "resu',  # a body cut short by a dropped connection
            envelope(0, UID="u1"),
        ]
    )
    client = make_client(fake)
    assert client.call("accounts.setAccountInfo", {"UID": "u1"})["UID"] == "u1"
    assert len(fake.sent) == 5
    assert len({sent.params["nonce"] for sent in fake.sent}) == 5
    assert client.retried == {"403048": 1, "transport": 3}


def test_auth_errors_fail_at_once_without_the_secret() -> None:
    fake = FakeGigya(answers=[envelope(403003, errorMessage="Invalid request signature")])
    with pytest.raises(errors.GigyaAuthError) as caught:
        make_client(fake).call("accounts.search", {"query": "SELECT * FROM accounts"})
    assert len(fake.sent) == 1
    message = str(caught.value)
    assert "403003" in message and "3_KEY" in message and SECRET not in message


def test_unknown_user_key_is_fatal_but_unknown_uid_is_the_records_problem() -> None:
    fake = FakeGigya(default=lambda sent: envelope(403005, errorMessage="Unauthorized user"))
    client = make_client(fake)
    with pytest.raises(errors.GigyaAuthError):
        client.call("accounts.search", {"query": "SELECT * FROM accounts"})
    with pytest.raises(errors.GigyaApiError) as caught:
        client.call("accounts.setAccountInfo", {"UID": "nobody"})
    assert caught.value.response["errorCode"] == 403005


def test_record_errors_carry_the_envelope() -> None:
    fake = FakeGigya(answers=[envelope(400003, errorMessage="Unique identifier exists", errorDetails="UID u1")])
    with pytest.raises(errors.GigyaApiError) as caught:
        make_client(fake).call("accounts.importFullAccount", {"UID": "u1"})
    failure = caught.value
    assert failure.response == {
        "errorCode": 400003,
        "errorMessage": "Unique identifier exists",
        "errorDetails": "UID u1",
        "callId": "call400003",
        "statusCode": 400,
    }
    assert failure.details == {"errorCode": 400003, "callId": "call400003"}
    assert failure.message == "accounts.importFullAccount failed: 400003 Unique identifier exists: UID u1"


def test_transient_errors_that_never_stop_become_record_errors_and_dead_hosts_fatal() -> None:
    client = make_client(FakeGigya(default=lambda sent: envelope(409030)))
    with pytest.raises(errors.GigyaApiError, match="after 5 attempts"):
        client.call("accounts.setAccountInfo", {"UID": "u1"})
    client = make_client(FakeGigya(default=lambda sent: requests.ConnectionError("refused")))
    with pytest.raises(errors.GigyaUnavailable, match="after 5 attempts"):
        client.call("accounts.setAccountInfo", {"UID": "u1"})


def test_cursor_pages_resend_the_same_cursor_after_a_failure() -> None:
    fake = FakeGigya(
        answers=[
            envelope(0, results=[{"UID": "a"}], nextCursorId="c1", totalCount=3),
            envelope(504001),
            requests.ConnectionError("dropped"),
            envelope(0, results=[{"UID": "b"}], nextCursorId="c2"),
            envelope(0, results=[{"UID": "c"}]),
        ]
    )
    pages = list(make_client(fake).search("accounts.search", "SELECT UID FROM accounts LIMIT 1"))
    assert [page["results"][0]["UID"] for page in pages] == ["a", "b", "c"]
    sent = [(s.params.get("query"), s.params.get("openCursor"), s.params.get("cursorId")) for s in fake.sent]
    assert sent == [
        ("SELECT UID FROM accounts LIMIT 1", "true", None),
        (None, None, "c1"),
        (None, None, "c1"),
        (None, None, "c1"),
        (None, None, "c2"),
    ]


def test_wrong_data_center_is_followed_once() -> None:
    fake = FakeGigya(answers=[envelope(301001, apiDomain="eu1.gigya.com"), envelope(0)])
    client = make_client(fake, base_url=None)
    client.call("accounts.getAccountInfo", {"UID": "u1"})
    assert [s.url for s in fake.sent] == [
        "https://accounts.us1.gigya.com/accounts.getAccountInfo",
        "https://accounts.eu1.gigya.com/accounts.getAccountInfo",
    ]


def test_bearer_mode_sends_a_verifiable_jwt_and_no_signature(tmp_path) -> None:
    pem = subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fake = FakeGigya()
    make_client(fake, secret=None, private_key=pem).call("accounts.search", {"query": "SELECT UID FROM accounts"})
    sent = fake.sent[0]
    assert not {"sig", "secret", "userKey", "nonce"} & set(sent.params)
    token = sent.headers["Authorization"].removeprefix("Bearer ")
    header, payload, signature = token.split(".")
    key = jwt.load_private_key(pem)
    padded = lambda text: base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))  # noqa: E731
    assert padded(header) == b'{"alg":"RS256","typ":"JWT","kid":"AKUSER"}'
    assert pow(int.from_bytes(padded(signature), "big"), key.e, key.n) == int.from_bytes(
        b"\x00\x01"
        + b"\xff" * (key.size - 54)
        + b"\x00"
        + jwt._SHA256_PREFIX
        + hashlib.sha256(f"{header}.{payload}".encode()).digest(),
        "big",
    )
