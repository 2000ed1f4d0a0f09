"""A deliberately small Gigya client for the sandbox tests: secret or HMAC-signed calls, nothing else.

It is written from gigya.md §2 independently of the server code (the signature is recomputed here), so a bug in
the server's verifier cannot hide behind a shared helper.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import quote

import requests


def sign(secret: str, url: str, params: dict[str, str], http_method: str = "POST") -> str:
    query = "&".join(f"{k}={quote(params[k], safe='-._~')}" for k in sorted(params))
    base = f"{http_method}&{quote(url, safe='-._~')}&{quote(query, safe='-._~')}"
    return base64.b64encode(hmac.new(base64.b64decode(secret), base.encode(), hashlib.sha1).digest()).decode()


def encode(params: dict[str, Any]) -> dict[str, str]:
    """Values as SDKs send them: objects as JSON, booleans as true/false."""
    out = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, dict | list):
            out[key] = json.dumps(value)
        else:
            out[key] = str(value)
    return out


class Client:
    def __init__(self, url: str, api_key: str, user_key: str | None, secret: str, data_center: str = "us1") -> None:
        self.url, self.api_key, self.user_key, self.secret, self.dc = url, api_key, user_key, secret, data_center
        self.session = requests.Session()

    @classmethod
    def of(cls, credentials: dict[str, str]) -> Client:
        return cls(credentials["url"], credentials["apiKey"], credentials["userKey"], credentials["secret"])

    def params(
        self,
        method: str,
        params: dict[str, Any],
        *,
        mode: str = "secret",
        timestamp: float | None = None,
        signed_url: str | None = None,
    ) -> dict[str, str]:
        values = encode({"apiKey": self.api_key, "format": "json", **params})
        if self.user_key:
            values["userKey"] = self.user_key
        if mode == "secret":
            values["secret"] = self.secret
        elif mode == "sig":
            values["timestamp"] = str(int(time.time() if timestamp is None else timestamp))
            values["nonce"] = f"{time.time_ns()}"
            namespace = method.split(".", 1)[0]
            url = signed_url or f"https://{namespace}.{self.dc}.gigya.com/{method}"
            values["sig"] = sign(self.secret, url, values)
        return values

    def call(self, method: str, *, mode: str = "secret", get: bool = False, **params: Any) -> dict[str, Any]:
        values = self.params(method, params, mode=mode)
        if get:
            response = self.session.get(f"{self.url}/{method}", params=values, timeout=30)
        else:
            response = self.session.post(f"{self.url}/{method}", data=values, timeout=30)
        body = response.json()
        body["_http"] = response.status_code
        return body

    def ok(self, method: str, **params: Any) -> dict[str, Any]:
        body = self.call(method, **params)
        assert body["errorCode"] == 0, body
        return body
