"""``BlueKaiSandbox``: ``GET|POST /getdata/{siteId}/{version}`` with ``puserid``, ``phint`` and a signature.

A call is signed with the web service user's private key: ``bksig`` = Base64(HMAC-SHA256(key, METHOD + PATH +
the values of the query arguments in order (``bkuid``/``bksig`` left out) + body)), sent with ``bkuid``. Each
``phint`` is ``name=value``; they are kept per site and partner user id and merged on every call. A wrong
signature or user key is a 401, an unknown site a 403, a call without a user id a 400. Faults: 429 with
``Retry-After`` (the API allows 1,000 calls a second), 503.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qsl

from sandbox.rest import RATE_LIMIT, PartnerSandbox, Request, Response, json_response


def signature(secret: str, method: str, path: str, values: list[str], body: bytes = b"") -> str:
    message = (method.upper() + path + "".join(values)).encode() + body
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


class BlueKaiSandbox(PartnerSandbox):
    name = "bluekai"

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        digest = hashlib.sha256(f"bluekai/{self.seed}".encode()).hexdigest()
        self.bkuid, self.secret_key = digest[:32], digest[32:64]
        self.site_id = str(int(digest[:5], 16) % 90_000 + 10_000)
        self.profiles: dict[tuple[str, str], dict[str, str]] = {}

    def profile(self, puserid: str, site_id: str | None = None) -> dict[str, str] | None:
        with self.lock:
            found = self.profiles.get((site_id or self.site_id, puserid))
            return dict(found) if found is not None else None

    def info(self) -> dict[str, Any]:
        return {
            **super().info(),
            "domain": self.url,
            "bkuid": self.bkuid,
            "secretKey": self.secret_key,
            "siteId": self.site_id,
            "version": "v1.2",
        }

    def render_fault(self, kind: str, request: Request) -> Response:
        if kind == RATE_LIMIT:
            return json_response(
                429,
                {"status": "FAILED", "message": "Too many requests"},
                Retry_After=str(self.faults.rates.retry_after_s),
            )
        return json_response(503, {"status": "FAILED", "message": "Service temporarily unavailable"})

    def routes(self) -> None:
        for method in ("GET", "POST"):
            self.router.add(method, r"/getdata/(?P<site>[^/]+)/(?P<version>v[\d.]+)/?", self._getdata)

    def authenticate(self, request: Request) -> Response | str | None:
        pairs = parse_qsl(request.raw_query, keep_blank_values=True)
        given = dict(pairs)
        values = [value for name, value in pairs if name not in ("bkuid", "bksig")]
        expected = signature(self.secret_key, request.method, request.path, values, request.body)
        if given.get("bkuid") != self.bkuid or not hmac.compare_digest(given.get("bksig", ""), expected):
            return json_response(401, {"status": "FAILED", "message": "Invalid signature or web service user key"})
        return None

    def _getdata(self, request: Request) -> Response:
        pairs = parse_qsl(request.raw_query, keep_blank_values=True)
        given = dict(pairs)
        if request.params["site"] != self.site_id:
            return json_response(403, {"status": "FAILED", "message": f"Invalid site id {request.params['site']}"})
        user = given.get("puserid") or given.get("userid")
        if not user:
            return json_response(400, {"status": "FAILED", "message": "A user id (puserid or userid) is required"})
        hints = {}
        for name, value in pairs:
            if name == "phint":
                key, _, hint = value.partition("=")
                hints[key] = hint
        with self.lock:
            self.profiles.setdefault((self.site_id, user), {}).update(hints)
        return json_response(200, {"status": "OK", "campaigns": []})
