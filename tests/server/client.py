"""A plain ``requests`` client of the IDX API, written from Gigya's public description (gigya.md §2), not from the
server's code: it posts forms, and either sends the secret or signs the request with HMAC-SHA1 itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import quote

import requests

_nonces = itertools.count(1)


def rfc3986(text: str) -> str:
    return quote(text, safe="-._~")


def sign(params: dict[str, str], url: str, secret: str, http_method: str = "POST") -> dict[str, str]:
    signed = dict(params)
    signed["timestamp"] = str(int(time.time()))
    signed["nonce"] = f"{time.time_ns()}{next(_nonces)}"
    query = "&".join(f"{k}={rfc3986(signed[k])}" for k in sorted(signed))
    base = f"{http_method}&{rfc3986(url.lower())}&{rfc3986(query)}"
    digest = hmac.new(base64.b64decode(secret), base.encode(), hashlib.sha1).digest()
    signed["sig"] = base64.b64encode(digest).decode()
    return signed


class IdxClient:
    def __init__(self, base_url: str, api_key: str, user_key: str, secret: str, signed: bool = False) -> None:
        self.base_url = base_url
        self.credentials = {"apiKey": api_key, "userKey": user_key}
        self.secret = secret
        self.signed = signed
        self.session = requests.Session()

    def form(self, method: str, **params: Any) -> dict[str, str]:
        """The form one call sends: values as text, objects as JSON, credentials added."""
        form = {k: (json.dumps(v) if isinstance(v, dict | list) else str(v)) for k, v in params.items()}
        form.update(self.credentials)
        if self.signed:
            return sign(form, f"{self.base_url}/{method}", self.secret)
        return {**form, "secret": self.secret}

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        response = self.session.post(f"{self.base_url}/{method}", data=self.form(method, **params), timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, method: str, **params: Any) -> dict[str, Any]:
        body = self.call(method, **params)
        assert body["errorCode"] == 0, body
        return body
