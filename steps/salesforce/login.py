"""Logging in to Salesforce with the partner SOAP API, as the public template's ``authEndpoint`` asks.

``authEndpoint`` is ``https://login|test.salesforce.com/services/Soap/u/<version>``; the password is sent followed
by the security token. The answer's ``serverUrl`` names the org's instance, where the REST and Bulk API 2.0 calls
go with the session id as Bearer token. When the endpoint's version is not a number (the template ships
``xx.0``), ``DEFAULT_VERSION`` is used.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import requests
from defusedxml.ElementTree import ParseError, fromstring

from dataflow.errors import FatalError

DEFAULT_VERSION = "59.0"
_VERSION = re.compile(r"/services/Soap/u/(\d+\.\d)/?$")


def api_version(auth_endpoint: str, override: str | None = None) -> str:
    if override:
        return override
    found = _VERSION.search(urlsplit(auth_endpoint).path)
    return found.group(1) if found else DEFAULT_VERSION


def soap_url(auth_endpoint: str, version: str) -> str:
    parts = urlsplit(auth_endpoint.strip())
    return f"{parts.scheme}://{parts.netloc}/services/Soap/u/{version}"


def _texts(body: bytes) -> dict[str, str]:
    try:
        root = fromstring(body)
    except ParseError:
        return {}
    return {element.tag.rsplit("}", 1)[-1]: (element.text or "") for element in root.iter()}


def login(
    session: requests.Session, url: str, username: str, password: str, token: str, timeout: tuple[float, float]
) -> tuple[str, str]:
    """``(session id, instance base URL)``; ``FatalError`` with Salesforce's words when refused."""
    envelope = (
        '<?xml version="1.0" encoding="utf-8" ?><env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">'
        "<env:Body><urn:login>"
        f"<urn:username>{escape(username)}</urn:username><urn:password>{escape(password + token)}</urn:password>"
        "</urn:login></env:Body></env:Envelope>"
    )
    headers = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"}
    try:
        response = session.post(url, data=envelope.encode(), headers=headers, timeout=timeout)
    except requests.RequestException as problem:
        raise FatalError(f"cannot reach Salesforce at {url}: {type(problem).__name__}") from None
    found = _texts(response.content)
    if response.status_code != 200 or not found.get("sessionId") or not found.get("serverUrl"):
        reason = found.get("exceptionMessage") or found.get("faultstring") or f"HTTP {response.status_code}"
        raise FatalError(f"Salesforce refused the login of {username}: {reason}")
    server = urlsplit(found["serverUrl"])
    return found["sessionId"], f"{server.scheme}://{server.netloc}"
