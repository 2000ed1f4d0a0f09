"""One stand-in per partner for the whole test session, the connection params that point a step at it, and the
partner's own client (or a plain HTTP client where the partner publishes none) pointed at it too.

Sandboxes are started on first use and stopped at exit, so the template, fault and conformance suites share them.
Tests that change a sandbox's state use addresses of their own (fresh UIDs, fresh emails).
"""

from __future__ import annotations

import atexit
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from sandbox.bluekai import BlueKaiSandbox
from sandbox.campaignmonitor import CampaignMonitorSandbox
from sandbox.constantcontact import ConstantContactSandbox
from sandbox.mailchimp import MailchimpSandbox
from sandbox.marketo import MarketoSandbox
from sandbox.rest import PartnerSandbox
from sandbox.salesforce import SalesforceSandbox
from sandbox.sfmc import MarketingCloudSandbox

KINDS: dict[str, type[PartnerSandbox]] = {
    "mailchimp": MailchimpSandbox,
    "marketo": MarketoSandbox,
    "campaignmonitor": CampaignMonitorSandbox,
    "constantcontact": ConstantContactSandbox,
    "salesforce": SalesforceSandbox,
    "sfmc": MarketingCloudSandbox,
    "bluekai": BlueKaiSandbox,
}
FAST = {"retryBackoffMs": 1, "maxRetries": 6}
_RUNNING: dict[str, Any] = {}


def stand_in(name: str) -> Any:
    if name not in _RUNNING:
        sandbox = KINDS[name](seed=7).start()
        atexit.register(sandbox.stop)
        _RUNNING[name] = sandbox
    return _RUNNING[name]


def connection(name: str, step_type: str) -> dict[str, Any]:
    """The connection params (and quick polling) of a ``step_type`` step pointed at the ``name`` stand-in."""
    sandbox = stand_in(name)
    info = sandbox.info()
    writes = ".write." in step_type
    if name == "mailchimp":
        params = {"apiUrl": info["apiUrl"], "apiKey": info["apiKey"], "listId": info["listId"]}
        return {**params, **({"batchPollSeconds": 0.02} if writes else {}), **FAST}
    if name == "marketo":
        params = {"baseUrl": info["baseUrl"], "clientId": info["clientId"], "clientSecret": info["clientSecret"]}
        if writes:
            return {**params, "importPollSeconds": 0.02, **FAST}
        start = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {**params, "exportPollSeconds": 0.02, "startDate": start, **FAST}
    if name == "campaignmonitor":
        return {"apiUrl": info["apiUrl"], "apiKey": info["apiKey"], "listId": info["listId"], **FAST}
    if name == "constantcontact":
        keys = ("apiUrl", "apiKey", "accessToken", "listId", "refreshToken", "clientSecret", "tokenUrl")
        return {**{k: info[k] for k in keys}, **({"activityPollSeconds": 0.02} if writes else {}), **FAST}
    if name == "salesforce":
        return {
            "username": info["username"],
            "password": info["password"],
            "token": info["securityToken"],
            "authEndpoint": info["authEndpoint"],
            "jobPollSeconds": 0.02,
            **FAST,
        }
    if name == "sfmc":
        return {
            "clientId": info["clientId"],
            "clientSecret": info["clientSecret"],
            "authUrl": info["legacyAuthUrl"],
            "restUrl": info["restUrl"],
            "pollSeconds": 0.02,
            **FAST,
        }
    return {k: info[k] for k in ("domain", "secretKey", "siteId", "bkuid")} | FAST


# -- the partners' own clients, pointed at a stand-in (the session's own by default) ----------------------------------
def mailchimp_client(sandbox: Any = None) -> Any:
    import mailchimp_marketing

    sandbox = sandbox or stand_in("mailchimp")
    client = mailchimp_marketing.Client()
    client.set_config({"api_key": sandbox.api_key, "server": "us1"})
    client.api_client.host = f"{sandbox.url}/3.0"
    return client


def marketo_client(sandbox: Any = None) -> Any:
    from marketorestpython.client import MarketoClient

    sandbox = sandbox or stand_in("marketo")
    client = MarketoClient(sandbox.munchkin, sandbox.client_id, sandbox.client_secret, max_retry_time=5)
    client.host = sandbox.url
    return client


@contextmanager
def createsend_client(sandbox: Any = None) -> Iterator[Any]:
    """createsend with its base URI on the stand-in's HTTPS listener and the stand-in's CA as its trust anchor.

    createsend always opens its own ``VerifiedHTTPSConnection`` that trusts only its bundled CA file; the one hook
    is that class, so the test swaps it for a subclass trusting the sandbox's CA (TLS and hostname checks stay)."""
    import createsend
    from createsend import createsend as module
    from createsend.utils import VerifiedHTTPSConnection, match_hostname

    sandbox = sandbox or stand_in("campaignmonitor")

    class TrustingSandbox(VerifiedHTTPSConnection):
        def connect(self) -> None:
            raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
            context = ssl.create_default_context(cafile=str(sandbox.ca_file))
            self.sock = context.wrap_socket(raw, server_hostname=self.host)
            match_hostname(self.sock.getpeercert(), self.host)

    previous = (module.VerifiedHTTPSConnection, createsend.CreateSend.base_uri)
    module.VerifiedHTTPSConnection = TrustingSandbox
    createsend.CreateSend.base_uri = f"{sandbox.tls_url}/api/v3.3"
    try:
        yield createsend
    finally:
        module.VerifiedHTTPSConnection, createsend.CreateSend.base_uri = previous


def salesforce_client(sandbox: Any = None) -> Any:
    from simple_salesforce import Salesforce, SalesforceLogin

    sandbox = sandbox or stand_in("salesforce")
    session = requests.Session()
    session.trust_env = False  # a site-wide CA bundle would replace the sandbox's CA
    session.verify = str(sandbox.ca_file)
    session_id, instance = SalesforceLogin(
        username=sandbox.username,
        password=sandbox.password,
        security_token=sandbox.security_token,
        scratch_url=sandbox.tls_url,
        session=session,
    )
    return Salesforce(session_id=session_id, instance=instance, session=session)


def constantcontact_session(sandbox: Any = None) -> requests.Session:
    """A fresh access token through the OAuth refresh grant (fault tests revoke tokens), then Bearer calls."""
    sandbox = sandbox or stand_in("constantcontact")
    token = requests.post(
        f"{sandbox.url}/oauth2/default/v1/token",
        auth=(sandbox.client_id, sandbox.client_secret),
        data={"grant_type": "refresh_token", "refresh_token": sandbox.refresh_token},
        timeout=10,
    )
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return session


def sfmc_session(sandbox: Any = None) -> requests.Session:
    sandbox = sandbox or stand_in("sfmc")
    token = requests.post(
        f"{sandbox.url}/v2/token",
        json={
            "grant_type": "client_credentials",
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
        },
        timeout=10,
    )
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return session
