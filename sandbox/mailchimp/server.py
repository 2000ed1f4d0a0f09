"""``MailchimpSandbox``: the Marketing API 3.0 routes for audiences, members and batch operations.

Authentication is HTTP Basic with any user name and the API key as password (``<key>-<dc>``). A batch
(``POST /batches``) stays ``pending`` for ``batch_delay_s`` on the sandbox clock, then runs every operation through
the same routes as a direct call and is ``finished``; its ``response_body_url`` is a gzipped tar of JSON files,
each an array of ``{status_code, operation_id, response}`` with the response as JSON text, as Mailchimp writes it.
Faults: a rate limit is a 429 problem document with ``Retry-After``; a server error a 500.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.mailchimp.members import Audience, Refused, iso, public, subscriber_hash
from sandbox.rest import RATE_LIMIT, PartnerSandbox, Request, Response, json_response
from sandbox.rest.server import BadRequest

API = "/3.0"
DEFAULT_MERGE_FIELDS = {"FNAME": "text", "LNAME": "text", "UNAME": "text", "UID": "text", "ADDRESS": "text"}


@dataclass
class Batch:
    id: str
    operations: list[dict[str, Any]]
    submitted: float
    results: list[dict[str, Any]] = field(default_factory=list)
    finished: float | None = None
    errored: int = 0

    def view(self, base_url: str) -> dict[str, Any]:
        done = self.finished is not None
        return {
            "id": self.id,
            "status": "finished" if done else "pending",
            "total_operations": len(self.operations),
            "finished_operations": len(self.operations) if done else 0,
            "errored_operations": self.errored,
            "submitted_at": iso(self.submitted),
            "completed_at": iso(self.finished) if done else "",
            "response_body_url": f"{base_url}/batch-results/{self.id}.tar.gz" if done else "",
        }


class MailchimpSandbox(PartnerSandbox):
    name = "mailchimp"

    def __init__(self, *, batch_delay_s: float = 0.0, **options: Any) -> None:
        super().__init__(**options)
        self.api_key = hashlib.sha256(f"mailchimp/{self.seed}".encode()).hexdigest()[:32] + "-us1"
        self.batch_delay_s = batch_delay_s
        self.audiences: dict[str, Audience] = {}
        self.batches: dict[str, Batch] = {}
        self.add_audience("Gigya Subscribers", DEFAULT_MERGE_FIELDS)

    # -- admin -----------------------------------------------------------------------------------------------
    def add_audience(self, name: str, merge_fields: dict[str, str], required: tuple[str, ...] = ()) -> str:
        with self.lock:
            list_id = hashlib.sha256(f"list/{self.seed}/{name}".encode()).hexdigest()[:10]
            self.audiences[list_id] = Audience(list_id, name, dict(merge_fields), frozenset(required))
            return list_id

    @property
    def list_id(self) -> str:
        """The first audience's id."""
        return next(iter(self.audiences))

    def members(self, list_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [public(m) for m in self.audiences[list_id or self.list_id].members.values()]

    def put_member(self, email: str, status: str, merge_fields: dict[str, Any], list_id: str | None = None) -> None:
        with self.lock:
            audience = self.audiences[list_id or self.list_id]
            audience.write(
                None,
                {"email_address": email, "status": status, "merge_fields": merge_fields},
                self.clock.now(),
                "upsert",
            )

    def info(self) -> dict[str, Any]:
        return {**super().info(), "apiUrl": f"{self.url}{API}/", "apiKey": self.api_key, "listId": self.list_id}

    # -- pipeline hooks ----------------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> Response | str | None:
        header = request.headers.get("Authorization") or ""
        if not header.lower().startswith("basic "):
            return self._problem(Refused(401, "API Key Missing", "Your request did not include an API key."))
        try:
            _, _, key = base64.b64decode(header[6:].strip()).decode().partition(":")
        except ValueError:
            key = ""
        if key != self.api_key:
            return self._problem(
                Refused(
                    401,
                    "API Key Invalid",
                    "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
                )
            )
        return None

    def render_fault(self, kind: str, request: Request) -> Response:
        if kind == RATE_LIMIT:
            refused = Refused(429, "Too Many Requests", "You have exceeded the limit of 10 simultaneous connections.")
            return json_response(429, refused.problem(), Retry_After=str(self.faults.rates.retry_after_s))
        return self._problem(Refused(500, "Internal Server Error", "An unexpected internal error has occurred."))

    def bad_request(self, message: str) -> Response:
        return self._problem(Refused(400, "JSON Parse Exception", message))

    def not_found(self, request: Request) -> Response:
        return self._problem(Refused(404, "Resource Not Found", "The requested resource could not be found."))

    @staticmethod
    def _problem(refused: Refused) -> Response:
        response = json_response(refused.status, refused.problem())
        response.content_type = "application/problem+json; charset=utf-8"
        return response

    # -- routes --------------------------------------------------------------------------------------------------
    def routes(self) -> None:
        add = self.router.add
        add("GET", f"{API}/ping", lambda r: json_response(200, {"health_status": "Everything's Chimpy!"}))
        add("GET", f"{API}/lists/(?P<list>[^/]+)", self._get_list)
        add("GET", f"{API}/lists/(?P<list>[^/]+)/members", self._list_members)
        add("POST", f"{API}/lists/(?P<list>[^/]+)/members", lambda r: self._write(r, "add"))
        for method, mode in (("GET", None), ("PUT", "upsert"), ("PATCH", "update")):
            handler = self._get_member if mode is None else (lambda r, m=mode: self._write(r, m))
            add(method, f"{API}/lists/(?P<list>[^/]+)/members/(?P<member>[^/]+)", handler)
        add("POST", f"{API}/batches", self._start_batch)
        add("GET", f"{API}/batches/(?P<batch>[^/]+)", self._batch_status)
        add("GET", r"/batch-results/(?P<batch>[^/]+)\.tar\.gz", self._batch_results, public=True)

    def _audience(self, request: Request) -> Audience:
        found = self.audiences.get(request.params["list"])
        if found is None:
            raise Refused(404, "Resource Not Found", "The requested resource could not be found.")
        return found

    def _answer(self, work: Any) -> Response:
        try:
            with self.lock:
                status, payload = work()
        except Refused as refused:
            return self._problem(refused)
        return json_response(status, payload)

    def _get_list(self, request: Request) -> Response:
        return self._answer(lambda: (200, self._audience(request).summary()))

    def _get_member(self, request: Request) -> Response:
        return self._answer(lambda: (200, public(self._audience(request).member(request.params["member"]))))

    def _write(self, request: Request, mode: str) -> Response:
        body = request.json()
        return self._answer(
            lambda: (
                200,
                public(self._audience(request).write(request.params.get("member"), body, self.clock.now(), mode)),
            )
        )

    def _list_members(self, request: Request) -> Response:
        count = min(1000, int(request.arg("count") or 10))
        offset = int(request.arg("offset") or 0)
        status, since = request.arg("status"), request.arg("since_last_changed")

        def page() -> tuple[int, dict[str, Any]]:
            audience = self._audience(request)
            chosen = [m for m in audience.members.values() if status is None or m.get("status") == status]
            if since:
                chosen = [m for m in chosen if m["last_changed"] > _normal(since)]
            return 200, {
                "members": [public(m) for m in chosen[offset : offset + count]],
                "list_id": audience.id,
                "total_items": len(chosen),
            }

        return self._answer(page)

    # -- batches ---------------------------------------------------------------------------------------------
    def _start_batch(self, request: Request) -> Response:
        body = request.json()
        operations = body.get("operations") if isinstance(body, dict) else None
        if not isinstance(operations, list):
            return self._problem(
                Refused(
                    400,
                    "Invalid Resource",
                    "The resource submitted could not be validated.",
                    [{"field": "operations", "message": "Required property is missing"}],
                )
            )
        with self.lock:
            batch_id = hashlib.sha256(f"batch/{self.seed}/{len(self.batches)}".encode()).hexdigest()[:10]
            batch = Batch(batch_id, operations, self.clock.now())
            self.batches[batch_id] = batch
            self._advance(batch, request.base_url)
            return json_response(200, batch.view(request.base_url))

    def _batch_status(self, request: Request) -> Response:
        with self.lock:
            batch = self.batches.get(request.params["batch"])
            if batch is None:
                return self.not_found(request)
            self._advance(batch, request.base_url)
            return json_response(200, batch.view(request.base_url))

    def _advance(self, batch: Batch, base_url: str) -> None:
        if batch.finished is not None or self.clock.now() < batch.submitted + self.batch_delay_s:
            return
        for operation in batch.operations:
            status, text = self._run_operation(operation, base_url)
            batch.errored += status >= 400
            batch.results.append(
                {"status_code": status, "operation_id": operation.get("operation_id"), "response": text}
            )
        batch.finished = self.clock.now()

    def _run_operation(self, operation: Any, base_url: str) -> tuple[int, str]:
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            refused = Refused(400, "Invalid Resource", "The operation has no path.")
            return 400, json.dumps(refused.problem())
        target = urlsplit(operation["path"])
        query = parse_qs(target.query)
        for name, value in (operation.get("params") or {}).items():
            query[name] = [str(value)]
        body = operation.get("body") or ""
        request = Request(
            method=str(operation.get("method") or "GET").upper(),
            path=API + target.path,
            query=query,
            headers={},  # type: ignore[arg-type]
            body=body.encode() if isinstance(body, str) else json.dumps(body).encode(),
            base_url=base_url,
        )
        found = self.router.find(request)
        if isinstance(found, int):
            return found, json.dumps(
                Refused(found, "Resource Not Found", "The requested resource could not be found.").problem()
            )
        try:
            response = found[0](request)
        except BadRequest as problem:
            return 400, json.dumps(Refused(400, "JSON Parse Exception", str(problem)).problem())
        return response.status, response.body.decode()

    def _batch_results(self, request: Request) -> Response:
        with self.lock:
            batch = self.batches.get(request.params["batch"])
            if batch is None or batch.finished is None:
                return Response(404, b"", "text/plain")
            results = list(batch.results)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for part, start in enumerate(range(0, max(1, len(results)), 500)):
                data = json.dumps(results[start : start + 500]).encode()
                info = tarfile.TarInfo(f"{batch.id}/{part}.json")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return Response(200, buffer.getvalue(), "application/x-gzip")


def _normal(since: str) -> str:
    """``since_last_changed`` in the members' own ISO form, so that a string comparison orders them."""
    return since.replace("Z", "+00:00")[:19] + "+00:00" if "T" in since else since


__all__ = ["MailchimpSandbox", "subscriber_hash"]
