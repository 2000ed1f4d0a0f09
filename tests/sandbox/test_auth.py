"""Authentication and the envelope: secrets, HMAC signatures (valid, wrong, stale), keys, JWT, OAuth, routing."""

from __future__ import annotations

import email.utils
import socket
import time
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from sandbox.gigya import GigyaSandbox, ManualClock, SandboxConfig
from tests.sandbox import rsa_keys
from tests.sandbox.client import Client, sign

SEARCH = {"query": "SELECT UID FROM accounts LIMIT 1"}


def post(sandbox: GigyaSandbox, method: str, params: dict[str, str], **kwargs: Any) -> requests.Response:
    return requests.post(f"{sandbox.url}/{method}", data=params, timeout=10, **kwargs)


def test_secret_in_the_request_with_and_without_user_key(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    assert gigya_client.call("accounts.search", **SEARCH)["errorCode"] == 0
    partner = Client(gigya_sandbox.url, gigya_client.api_key, None, gigya_client.secret)
    assert partner.call("accounts.search", **SEARCH)["errorCode"] == 0


def test_a_wrong_secret_is_403003(gigya_client: Client) -> None:
    gigya_client.secret = "d3Jvbmc="
    body = gigya_client.call("accounts.search", **SEARCH)
    assert (body["errorCode"], body["statusCode"], body["statusReason"]) == (403003, 403, "Forbidden")
    assert body["_http"] == 200  # httpStatusCodes defaults to false


@pytest.mark.parametrize(
    "signed_url",
    [
        None,  # https://accounts.us1.gigya.com/accounts.search, as the SDKs sign it
        "http://accounts.us1.gigya.com/accounts.search",  # GSSDK with useHTTPS=False
        "LOOPBACK",  # the URL actually called
        "https://accounts.eu1.gigya.com/accounts.search",  # a client set up for another DC, pointed here
    ],
)
def test_a_valid_signature_passes(gigya_sandbox: GigyaSandbox, gigya_client: Client, signed_url: str | None) -> None:
    url = f"{gigya_sandbox.url}/accounts.search" if signed_url == "LOOPBACK" else signed_url
    params = gigya_client.params("accounts.search", SEARCH, mode="sig", signed_url=url)
    assert "secret" not in params
    assert post(gigya_sandbox, "accounts.search", params).json()["errorCode"] == 0


def test_millisecond_timestamps_are_accepted(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    params = gigya_client.params("accounts.search", SEARCH, mode="none")
    params.update(timestamp=str(int(time.time() * 1000)), nonce="42")
    params["sig"] = sign(gigya_client.secret, "https://accounts.us1.gigya.com/accounts.search", params)
    assert post(gigya_sandbox, "accounts.search", params).json()["errorCode"] == 0


def test_a_wrong_signature_is_403003(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    params = gigya_client.params("accounts.search", SEARCH, mode="sig")
    params["query"] = "SELECT * FROM accounts"  # changed after signing
    body = post(gigya_sandbox, "accounts.search", params).json()
    assert body["errorCode"] == 403003


def test_a_signature_made_with_another_secret_is_403003(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    gigya_client.secret = "c29tZSBvdGhlciBzZWNyZXQ="
    params = gigya_client.params("accounts.search", SEARCH, mode="sig")
    assert post(gigya_sandbox, "accounts.search", params).json()["errorCode"] == 403003


def test_a_stale_timestamp_is_403002(clocked_sandbox: GigyaSandbox, clocked_client: Client) -> None:
    now = clocked_sandbox.clock.now()
    fresh = clocked_client.params("accounts.search", SEARCH, mode="sig", timestamp=now - 60)
    assert post(clocked_sandbox, "accounts.search", fresh).json()["errorCode"] == 0
    stale = clocked_client.params("accounts.search", SEARCH, mode="sig", timestamp=now - 600)
    body = post(clocked_sandbox, "accounts.search", stale).json()
    assert (body["errorCode"], body["errorMessage"]) == (403002, "Request has expired")
    future = clocked_client.params("accounts.search", SEARCH, mode="sig", timestamp=now + 600)
    assert post(clocked_sandbox, "accounts.search", future).json()["errorCode"] == 403002


def test_missing_timestamp_or_nonce_is_400002(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    params = gigya_client.params("accounts.search", SEARCH, mode="sig")
    del params["nonce"]
    assert post(gigya_sandbox, "accounts.search", params).json()["errorCode"] == 400002


def test_unknown_api_key_user_key_and_no_credentials(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    gigya_client.api_key = "3_unknown"
    assert gigya_client.call("accounts.search", **SEARCH)["errorCode"] == 400093
    other = Client.of(gigya_sandbox.credentials)
    other.user_key = "AKUNKNOWN"
    assert other.call("accounts.search", **SEARCH)["errorCode"] == 403005
    anonymous = Client.of(gigya_sandbox.credentials)
    assert anonymous.call("accounts.search", mode="none", **SEARCH)["errorCode"] == 400002
    no_key = post(gigya_sandbox, "accounts.search", {"secret": other.secret, **SEARCH}).json()
    assert (no_key["errorCode"], no_key["errorDetails"]) == (400002, "Missing required parameter: apiKey")


def test_duplicate_nonce_when_checked(sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(config=SandboxConfig.for_seed(7, check_nonce=True))
    client = Client.of(sandbox.credentials)
    params = client.params("accounts.search", SEARCH, mode="sig")
    assert post(sandbox, "accounts.search", params).json()["errorCode"] == 0
    assert post(sandbox, "accounts.search", params).json()["errorCode"] == 403004


def test_plain_secret_over_http_when_refused(sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(config=SandboxConfig.for_seed(7, reject_plain_secret=True))
    client = Client.of(sandbox.credentials)
    assert client.call("accounts.search", **SEARCH)["errorCode"] == 403006
    assert client.call("accounts.search", mode="sig", **SEARCH)["errorCode"] == 0


def test_a_separate_partner_secret(sandbox_factory: Any) -> None:
    config = SandboxConfig.for_seed(7, partner_secret="cGFydG5lcg==")
    sandbox = sandbox_factory(config=config)
    partner = Client(sandbox.url, config.api_key, None, "cGFydG5lcg==")
    assert partner.call("accounts.search", **SEARCH)["errorCode"] == 0
    assert partner.call("accounts.search", mode="sig", **SEARCH)["errorCode"] == 0
    partner.secret = config.secret  # the user key's secret is not the partner secret
    assert partner.call("accounts.search", **SEARCH)["errorCode"] == 403003


def test_bearer_jwt(sandbox_factory: Any) -> None:
    n, e, d = rsa_keys.generate()
    config = SandboxConfig.for_seed(7)
    config.user_public_keys["AKJWT"] = rsa_keys.public_pem(n, e)
    clock = ManualClock(1_750_000_000)
    sandbox = sandbox_factory(config=config, clock=clock)
    params = {"apiKey": config.api_key, **SEARCH}

    def with_token(token: str) -> dict[str, Any]:
        return post(sandbox, "accounts.search", params, headers={"Authorization": f"Bearer {token}"}).json()

    assert with_token(rsa_keys.jwt(n, d, "AKJWT", 1_750_000_000))["errorCode"] == 0
    assert with_token(rsa_keys.jwt(n, d, "AKJWT", 1_749_990_000))["errorCode"] == 403002
    assert with_token(rsa_keys.jwt(n, d, "AKOTHER", 1_750_000_000))["errorCode"] == 403005
    other_n, _, other_d = rsa_keys.generate(seed=9)
    assert with_token(rsa_keys.jwt(other_n, other_d, "AKJWT", 1_750_000_000))["errorCode"] == 403003
    assert with_token("not-a-jwt")["errorCode"] == 400006


def test_oauth_token_from_get_token(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    creds = gigya_sandbox.credentials
    token = post(
        gigya_sandbox,
        "socialize.getToken",
        {"grant_type": "none", "client_id": creds["userKey"], "client_secret": creds["secret"]},
    ).json()
    assert token["errorCode"] == 0 and token["expires_in"] == 3600
    body = post(gigya_sandbox, "accounts.search", {"oauth_token": token["access_token"], **SEARCH}).json()
    assert body["errorCode"] == 0
    header = {"Authorization": f"OAuth {token['access_token']}"}
    assert post(gigya_sandbox, "accounts.search", SEARCH, headers=header).json()["errorCode"] == 0
    assert post(gigya_sandbox, "accounts.search", {"oauth_token": "st2.nope", **SEARCH}).json()["errorCode"] == 403005
    bad = {"grant_type": "none", "client_id": creds["userKey"], "client_secret": "eA=="}
    assert post(gigya_sandbox, "socialize.getToken", bad).json()["errorCode"] == 403003


def test_envelope_fields_context_and_http_status_codes(gigya_client: Client) -> None:
    ok = gigya_client.call("accounts.search", context="ctx-1", **SEARCH)
    assert {"callId", "errorCode", "apiVersion", "statusCode", "statusReason", "time"} <= ok.keys()
    assert len(ok["callId"]) == 32 and ok["time"].endswith("Z") and ok["context"] == "ctx-1"
    assert "errorMessage" not in ok
    failed = gigya_client.call("accounts.getAccountInfo", UID="nobody", httpStatusCodes=True)
    assert failed["_http"] == 403 and failed["errorCode"] == 403005
    assert failed["errorMessage"] and "UID" in failed["errorDetails"]
    error_200 = gigya_client.call("accounts.getAccountInfo", UID="nobody", httpStatusCodes="False")
    assert error_200["_http"] == 200
    success = gigya_client.call("accounts.search", httpStatusCodes="True", **SEARCH)
    assert success["_http"] == 200 and success["errorCode"] == 0


def test_get_with_a_query_string_and_gssdk_style_booleans(gigya_client: Client) -> None:
    body = gigya_client.call("accounts.search", get=True, openCursor="True", query="select UID from accounts limit 5")
    assert body["errorCode"] == 0 and body["objectsCount"] == 5 and "nextCursorId" in body


def test_absolute_form_request_line_through_a_proxy(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    """GSSDK behind HTTP_PROXY: ``POST http://accounts.us1.gigya.com/accounts.search HTTP/1.1``."""
    target = "http://accounts.us1.gigya.com/accounts.search"
    params = gigya_client.params("accounts.search", SEARCH, mode="sig", signed_url=target)
    body = urlencode(params).encode()
    request = (
        f"POST {target} HTTP/1.1\r\nHost: accounts.us1.gigya.com\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", gigya_sandbox.port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200")
    assert b'"errorCode":0' in answer
    proxies = {"http": gigya_sandbox.url}
    via_requests = requests.post(target, data=gigya_client.params("accounts.search", SEARCH), proxies=proxies)
    assert via_requests.json()["errorCode"] == 0


def test_another_data_center_is_301001(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    params = gigya_client.params("accounts.search", SEARCH)
    body = post(gigya_sandbox, "accounts.search", params, headers={"Host": "accounts.eu1.gigya.com"}).json()
    assert body["errorCode"] == 301001
    assert body["apiDomain"] == "us1.gigya.com"
    assert body["location"] == "https://accounts.us1.gigya.com/accounts.search"


def test_unknown_method_and_malformed_parameters(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    assert gigya_client.call("accounts.noSuchMethod")["errorCode"] == 400096
    assert gigya_client.call("accounts.setAccountInfo", UID=gigya_sandbox.uid(0), profile="{bad")["errorCode"] == 400006
    assert gigya_client.call("accounts.search", openCursor="maybe", **SEARCH)["errorCode"] == 400006


def test_date_header_follows_the_sandbox_clock(clocked_sandbox: GigyaSandbox, clocked_client: Client) -> None:
    response = requests.post(
        f"{clocked_sandbox.url}/accounts.search", data=clocked_client.params("accounts.search", SEARCH), timeout=10
    )
    date = email.utils.parsedate_to_datetime(response.headers["Date"])
    assert date.timestamp() == pytest.approx(clocked_sandbox.clock.now(), abs=1)
