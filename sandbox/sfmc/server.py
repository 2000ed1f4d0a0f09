"""``MarketingCloudSandbox``: the auth endpoints (legacy ``/v1/requestToken`` and v2 ``/v2/token``) and the data
extension routes of the REST API.

Rows go through the asynchronous API: ``PUT`` (upsert) or ``POST`` (insert)
``/data/v1/async/dataextensions/key:{key}/rows`` answers 202 with a ``requestId``; ``/data/v1/async/{id}/status``
is ``Pending`` until ``request_delay_s`` has passed on the sandbox clock, then ``Complete``;
``/data/v1/async/{id}/results`` lists one result per row in the order sent (``{"status": "OK"}`` or
``{"status": "Error", "errorCode", "message"}``) — the per-row shape is the project's emulator rule.
``/data/v1/customobjectdata/key/{key}/rowset`` reads the rows back with lower-cased names, as Marketing Cloud does.
Faults: 429 with ``Retry-After``, 500, and 401 for an expired token.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandbox.rest import RATE_LIMIT, SERVER_ERROR, PartnerSandbox, Request, Response, json_response
from sandbox.rest.tokens import VALID, TokenStore, bearer
from sandbox.sfmc.extensions import DataExtension, RowRefused

SUBSCRIBERS = {
    "GUID": ("Text", 50),
    "EMAIL": ("EmailAddress", 254),
    "FNAME": ("Text", 100),
    "LNAME": ("Text", 100),
    "UNAME": ("Text", 100),
}


def stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


@dataclass
class AsyncRequest:
    id: str
    extension: DataExtension
    items: list[Any]
    upsert: bool
    called: float
    done: float | None = None
    results: list[dict[str, Any]] = field(default_factory=list)


class MarketingCloudSandbox(PartnerSandbox):
    name = "sfmc"

    def __init__(self, *, request_delay_s: float = 0.0, token_ttl_s: int = 1080, **options: Any) -> None:
        super().__init__(**options)
        digest = hashlib.sha256(f"sfmc/{self.seed}".encode()).hexdigest()
        self.client_id, self.client_secret = digest[:24], digest[24:48]
        self.tokens = TokenStore(self.clock, token_ttl_s, self.seed, "sfmc")
        self.extensions = {"gigyasubscribers": DataExtension("GigyaSubscribers", dict(SUBSCRIBERS), ("GUID", "EMAIL"))}
        self.request_delay_s = request_delay_s
        self.requests: dict[str, AsyncRequest] = {}

    def rows(self, key: str = "GigyaSubscribers") -> list[dict[str, str]]:
        with self.lock:
            return [dict(row) for row in self.extensions[key.lower()].rows.values()]

    def info(self) -> dict[str, Any]:
        return {
            **super().info(),
            "authUrl": f"{self.url}/v2/token",
            "legacyAuthUrl": f"{self.url}/v1/requestToken",
            "restUrl": self.url,
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "dataExtension": "GigyaSubscribers",
        }

    # -- pipeline hooks ----------------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> Response | str | None:
        token = bearer(request.headers.get("Authorization"))
        if self.tokens.check(token) != VALID:
            return json_response(401, {"message": "Not Authorized", "errorcode": 0, "documentation": ""})
        return token

    def expire_credential(self, credential: str) -> None:
        self.tokens.expire(credential)

    def render_fault(self, kind: str, request: Request) -> Response:
        if kind == RATE_LIMIT:
            return json_response(
                429, {"message": "Too Many Requests", "errorcode": 0}, Retry_After=str(self.faults.rates.retry_after_s)
            )
        if kind == SERVER_ERROR:
            return json_response(500, {"message": "Internal Server Error", "errorcode": 0})
        return json_response(401, {"message": "Not Authorized", "errorcode": 0, "documentation": ""})

    def bad_request(self, message: str) -> Response:
        return json_response(400, {"message": message, "errorcode": 10000})

    # -- routes --------------------------------------------------------------------------------------------------
    def routes(self) -> None:
        add = self.router.add
        add("POST", "/v1/requestToken", self._legacy_token, public=True)
        add("POST", "/v2/token", self._token, public=True)
        for method in ("PUT", "POST"):
            add(method, r"/data/v1/async/dataextensions/key:(?P<key>[^/]+)/rows", self._rows)
        add("GET", r"/data/v1/async/(?P<id>[^/]+)/status", self._status)
        add("GET", r"/data/v1/async/(?P<id>[^/]+)/results", self._results)
        add("GET", r"/data/v1/customobjectdata/key/(?P<key>[^/]+)/rowset", self._rowset)

    def _legacy_token(self, request: Request) -> Response:
        body = request.json() or {}
        if body.get("clientId") != self.client_id or body.get("clientSecret") != self.client_secret:
            return json_response(401, {"message": "Unauthorized", "errorcode": 1, "documentation": ""})
        return json_response(200, {"accessToken": self.tokens.issue(), "expiresIn": self.tokens.ttl_s})

    def _token(self, request: Request) -> Response:
        body = request.json() or {}
        if body.get("grant_type") != "client_credentials":
            return json_response(
                400, {"error": "unsupported_grant_type", "error_description": "Use client_credentials"}
            )
        if body.get("client_id") != self.client_id or body.get("client_secret") != self.client_secret:
            return json_response(401, {"error": "invalid_client", "error_description": "Invalid client ID"})
        return json_response(
            200,
            {
                "access_token": self.tokens.issue(),
                "token_type": "Bearer",
                "expires_in": self.tokens.ttl_s,
                "scope": "data_extensions_write",
                "rest_instance_url": f"{request.base_url}/",
                "soap_instance_url": f"{request.base_url}/",
            },
        )

    def _rows(self, request: Request) -> Response:
        body = request.json()
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            return json_response(400, {"message": "items is required", "errorcode": 10000})
        with self.lock:
            extension = self.extensions.get(request.params["key"].lower())
            if extension is None:
                return json_response(
                    404, {"message": f"Data extension with key {request.params['key']} not found", "errorcode": 10000}
                )
            job = AsyncRequest(uuid.uuid4().hex, extension, items, request.method == "PUT", self.clock.now())
            self.requests[job.id] = job
            self._advance(job)
        return json_response(202, {"requestId": job.id, "resultMessages": []})

    def _advance(self, job: AsyncRequest) -> None:
        if job.done is not None or self.clock.now() < job.called + self.request_delay_s:
            return
        for item in job.items:
            try:
                job.extension.write(item, job.upsert)
                job.results.append({"status": "OK"})
            except RowRefused as refused:
                job.results.append({"status": "Error", "errorCode": "10006", "message": str(refused)})
        job.done = self.clock.now()

    def _find(self, request: Request) -> AsyncRequest | None:
        job = self.requests.get(request.params["id"])
        if job is not None:
            self._advance(job)
        return job

    def _status(self, request: Request) -> Response:
        with self.lock:
            job = self._find(request)
            if job is None:
                return json_response(404, {"message": "Request not found", "errorcode": 10000})
            status = {
                "callDateTime": stamp(job.called),
                "pipelineName": "rows",
                "requestStatus": "Pending" if job.done is None else "Complete",
                "hasErrors": any(r["status"] != "OK" for r in job.results),
            }
            if job.done is not None:
                status["completionDateTime"] = stamp(job.done)
            return json_response(200, {"requestId": job.id, "status": status})

    def _results(self, request: Request) -> Response:
        with self.lock:
            job = self._find(request)
            if job is None or job.done is None:
                return json_response(404, {"message": "Results not available", "errorcode": 10000})
            return json_response(
                200, {"page": 1, "pageSize": len(job.results), "count": len(job.results), "items": job.results}
            )

    def _rowset(self, request: Request) -> Response:
        page, size = max(1, int(request.arg("$page") or 1)), max(1, int(request.arg("$pageSize") or 2500))
        with self.lock:
            extension = self.extensions.get(request.params["key"].lower())
            if extension is None:
                return json_response(404, {"message": "Data extension not found", "errorcode": 10000})
            rows = extension.rowset()
        return json_response(
            200, {"page": page, "pageSize": size, "count": len(rows), "items": rows[(page - 1) * size : page * size]}
        )
