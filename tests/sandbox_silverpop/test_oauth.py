"""OAuth: the refresh grant, the token's lifetime, and what the XML API answers to bad or expired tokens."""

from __future__ import annotations

import base64

import requests

from sandbox.silverpop import ManualClock, SilverpopSandbox
from tests.sandbox_silverpop.client import XmlClient, envelope

LISTS = envelope("GetLists", "<VISIBILITY>0</VISIBILITY><LIST_TYPE>0</LIST_TYPE>")


def _refresh(sandbox: SilverpopSandbox, **overrides: str) -> requests.Response:
    config = sandbox.config
    form = {
        "grant_type": "refresh_token",
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "refresh_token": config.refresh_token,
        **overrides,
    }
    return requests.post(sandbox.token_url, data=form, headers={"Accept": "application/json"}, timeout=10)


def test_refresh_returns_a_compact_bearer_token_with_an_integer_lifetime(silverpop: SilverpopSandbox) -> None:
    answer = _refresh(silverpop)
    assert answer.status_code == 200
    assert '"access_token":"' in answer.text  # compact: the Java client finds values by substring
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 14_400 and isinstance(body["expires_in"], int)
    assert body["refresh_token"] == silverpop.config.refresh_token


def test_every_refresh_issues_a_new_token(silverpop: SilverpopSandbox) -> None:
    assert _refresh(silverpop).json()["access_token"] != _refresh(silverpop).json()["access_token"]


def test_bad_client_credentials_are_invalid_client(silverpop: SilverpopSandbox) -> None:
    answer = _refresh(silverpop, client_secret="wrong")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert "error_description" in answer.json()


def test_unknown_refresh_token_is_invalid_grant(silverpop: SilverpopSandbox) -> None:
    answer = _refresh(silverpop, refresh_token="not-it")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_other_grants_are_unsupported(silverpop: SilverpopSandbox) -> None:
    answer = _refresh(silverpop, grant_type="client_credentials")
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"


def test_basic_client_credentials_are_accepted(silverpop: SilverpopSandbox) -> None:
    config = silverpop.config
    basic = base64.b64encode(f"{config.client_id}:{config.client_secret}".encode()).decode()
    answer = requests.post(
        silverpop.token_url,
        data={"grant_type": "refresh_token", "refresh_token": config.refresh_token},
        headers={"Authorization": f"Basic {basic}"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["access_token"]


def test_configurable_lifetime(silverpop_factory) -> None:  # type: ignore[no-untyped-def]
    sandbox = silverpop_factory(token_ttl_s=60)
    assert _refresh(sandbox).json()["expires_in"] == 60


def test_missing_or_unknown_bearer_is_401_with_an_empty_body(sp_client: XmlClient) -> None:
    anonymous = requests.post(sp_client.sandbox.api_url, data={"xml": LISTS}, timeout=10)
    assert anonymous.status_code == 401 and anonymous.content == b""
    unknown = sp_client.call(LISTS, token="forged")
    assert unknown.status_code == 401 and unknown.content == b""


def test_expired_token_is_401_until_the_client_refreshes(sp_client: XmlClient, silverpop_clock: ManualClock) -> None:
    sp_client.refresh()
    assert sp_client.call(LISTS).status_code == 200
    silverpop_clock.advance(14_400)
    assert sp_client.call(LISTS).status_code == 401
    sp_client.refresh()
    assert sp_client.call(LISTS).status_code == 200


def test_tokens_can_be_expired_on_demand(sp_client: XmlClient) -> None:
    sp_client.refresh()
    assert sp_client.sandbox.expire_tokens() == 1
    assert sp_client.call(LISTS).status_code == 401


def test_token_endpoint_rejects_get(silverpop: SilverpopSandbox) -> None:
    assert requests.get(silverpop.token_url, timeout=10).status_code == 405
