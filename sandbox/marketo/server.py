"""``MarketoSandbox``: identity tokens, the lead routes and the bulk jobs of Marketo's REST API.

Marketo answers almost everything with HTTP 200 and ``{"success": false, "errors": [{"code", "message"}]}``: 601
for an unknown access token, 602 for an expired one, 606 for the rate limit, 608 when the API is unavailable
(sent here with HTTP 503, as a gateway in front of Marketo does). Tokens come from
``GET /identity/oauth/token?grant_type=client_credentials`` and ride in ``Authorization: Bearer`` or
``access_token``.
"""

from __future__ import annotations

import hashlib
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from sandbox.marketo.bulk import Export, Import, check_filter, read_import
from sandbox.marketo.leads import LeadDatabase, LeadRefused
from sandbox.rest import RATE_LIMIT, SERVER_ERROR, PartnerSandbox, Request, Response, json_response
from sandbox.rest.tokens import EXPIRED, VALID, TokenStore, bearer

SEPARATORS = {"csv": ",", "tsv": "\t", "ssv": ";"}


def ok(result: Any = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"requestId": uuid.uuid4().hex[:12], "success": True, **extra}
    if result is not None:
        body["result"] = result
    return json_response(200, body)


def failed(code: str, message: str, status: int = 200) -> Response:
    return json_response(
        status, {"requestId": uuid.uuid4().hex[:12], "success": False, "errors": [{"code": code, "message": message}]}
    )


class MarketoSandbox(PartnerSandbox):
    name = "marketo"

    def __init__(self, *, job_delay_s: float = 0.0, token_ttl_s: int = 3600, **options: Any) -> None:
        super().__init__(**options)
        digest = hashlib.sha256(f"marketo/{self.seed}".encode()).hexdigest()
        self.client_id, self.client_secret = f"{digest[:8]}-{digest[8:12]}", digest[12:44]
        self.munchkin = f"{int(digest[:3], 16) % 900 + 100}-SBX-{int(digest[3:6], 16) % 900 + 100}"
        self.tokens = TokenStore(self.clock, token_ttl_s, self.seed, "marketo")
        self.database = LeadDatabase()
        self.job_delay_s = job_delay_s
        self.imports: dict[int, Import] = {}
        self.exports: dict[str, Export] = {}

    # -- admin -----------------------------------------------------------------------------------------------
    def leads(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(lead) for lead in self.database.leads.values()]

    def put_lead(self, values: dict[str, Any], lookup: str = "email") -> int:
        with self.lock:
            return self.database.upsert(values, lookup, self.clock.now())[1]

    def info(self) -> dict[str, Any]:
        return {
            **super().info(),
            "baseUrl": self.url,
            "munchkinId": self.munchkin,
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
        }

    # -- pipeline hooks ----------------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> Response | str | None:
        token = bearer(request.headers.get("Authorization")) or request.arg("access_token")
        verdict = self.tokens.check(token)
        if verdict == VALID:
            return token
        if verdict == EXPIRED:
            return failed("602", "Access token expired")
        return failed("601", "Access token invalid")

    def expire_credential(self, credential: str) -> None:
        self.tokens.expire(credential)

    def render_fault(self, kind: str, request: Request) -> Response:
        if kind == RATE_LIMIT:
            return failed("606", "Max rate limit '100' exceeded with in '20' secs")
        if kind == SERVER_ERROR:
            return failed("608", "API Temporarily Unavailable", status=503)
        return failed("602", "Access token expired")

    def bad_request(self, message: str) -> Response:
        return failed("609", f"Invalid JSON: {message}")

    def not_found(self, request: Request) -> Response:
        return json_response(404, {"errors": [{"code": "404", "message": "Not Found"}], "success": False})

    # -- routes --------------------------------------------------------------------------------------------------
    def routes(self) -> None:
        add = self.router.add
        add("GET", "/identity/oauth/token", self._token, public=True)
        add("GET", "/rest/v1/leads/describe.json", lambda r: ok(self.database.describe()))
        add("GET", "/rest/v1/leads.json", self._query_leads)
        add("POST", "/rest/v1/leads.json", self._post_leads)
        add("POST", "/bulk/v1/leads.json", self._import)
        add("GET", r"/bulk/v1/leads/batch/(?P<id>\d+)\.json", self._import_status)
        add("GET", r"/bulk/v1/leads/batch/(?P<id>\d+)/failures\.json", self._import_failures)
        add("GET", r"/bulk/v1/leads/batch/(?P<id>\d+)/warnings\.json", self._import_warnings)
        add("POST", "/bulk/v1/leads/export/create.json", self._export_create)
        add("POST", r"/bulk/v1/leads/export/(?P<id>[^/]+)/enqueue\.json", self._export_enqueue)
        add("GET", r"/bulk/v1/leads/export/(?P<id>[^/]+)/status\.json", self._export_status)
        add("GET", r"/bulk/v1/leads/export/(?P<id>[^/]+)/file\.json", self._export_file)

    def _token(self, request: Request) -> Response:
        if request.arg("grant_type") != "client_credentials":
            return json_response(400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant"})
        if request.arg("client_id") != self.client_id or request.arg("client_secret") != self.client_secret:
            return json_response(401, {"error": "invalid_client", "error_description": "Bad client credentials"})
        token = self.tokens.issue()
        return json_response(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.tokens.ttl_s,
                "scope": "api@sandbox.example.com",
            },
        )

    def _query_leads(self, request: Request, values: dict[str, list[str]] | None = None) -> Response:
        source = values if values is not None else request.query
        filter_type = (source.get("filterType") or [""])[0]
        wanted = [v for v in (source.get("filterValues") or [""])[0].split(",") if v]
        fields = [f for f in (source.get("fields") or [""])[0].split(",") if f] or None
        if not filter_type:
            return failed("1003", "filterType is required")
        with self.lock:
            try:
                lookup = self.database.name(filter_type)
            except LeadRefused as refused:
                return failed(refused.code, refused.message)
            found = [self.database.find(lookup, value) for value in wanted]
            return ok([self.database.view(lead, fields) for lead in found if lead is not None])

    def _post_leads(self, request: Request) -> Response:
        if "x-www-form-urlencoded" in request.content_type:
            form = request.form()
            if (form.get("_method") or [""])[0].upper() == "GET":
                return self._query_leads(request, form)
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("input"), list):
            return failed("1003", "input is required")
        if len(body["input"]) > 300:
            return failed("1003", "Too many leads in one call (300 at most)")
        lookup, action = body.get("lookupField") or "email", body.get("action") or "createOrUpdate"
        results = []
        with self.lock:
            for seq, lead in enumerate(body["input"]):
                try:
                    outcome, lead_id = self.database.upsert(lead, lookup, self.clock.now(), action)
                    results.append({"seq": seq, "id": lead_id, "status": outcome})
                except LeadRefused as refused:
                    results.append(
                        {
                            "seq": seq,
                            "status": "skipped",
                            "reasons": [{"code": refused.code, "message": refused.message}],
                        }
                    )
        return ok(results)

    def _import(self, request: Request) -> Response:
        file = _multipart_file(request)
        if file is None:
            return failed("1003", "Import file is required (multipart field 'file')")
        fmt = (request.arg("format") or "csv").lower()
        if fmt not in SEPARATORS:
            return failed("1003", f"Invalid format '{fmt}'")
        header, rows = read_import(file, SEPARATORS[fmt])
        with self.lock:
            batch = Import(
                len(self.imports) + 1001, rows, header, request.arg("lookupField") or "email", self.clock.now()
            )
            self.imports[batch.id] = batch
            batch.advance(self.database, self.clock.now(), self.job_delay_s)
            return ok([{"batchId": batch.id, "importId": str(batch.id), "status": "Queued"}])

    def _find_import(self, request: Request) -> Import | Response:
        batch = self.imports.get(int(request.params["id"]))
        if batch is None:
            return failed("1003", f"Import {request.params['id']} not found")
        batch.advance(self.database, self.clock.now(), self.job_delay_s)
        return batch

    def _import_status(self, request: Request) -> Response:
        with self.lock:
            batch = self._find_import(request)
            return batch if isinstance(batch, Response) else ok([batch.view()])

    def _import_failures(self, request: Request) -> Response:
        with self.lock:
            batch = self._find_import(request)
            if isinstance(batch, Response):
                return batch
            return Response(200, batch.failure_file().encode(), "text/csv; charset=utf-8")

    def _import_warnings(self, request: Request) -> Response:
        with self.lock:
            batch = self._find_import(request)
            if isinstance(batch, Response):
                return batch
            return Response(200, (",".join([*batch.header, "Import Warning Reason"]) + "\n").encode(), "text/csv")

    def _export_create(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("fields"), list) or not body["fields"]:
            return failed("1003", "fields is required")
        with self.lock:
            try:
                for name in body["fields"]:
                    self.database.name(name)
                chosen = check_filter(body.get("filter"))
            except LeadRefused as refused:
                return failed(refused.code, refused.message)
            export = Export(uuid.uuid4().hex, list(body["fields"]), chosen, self.clock.now())
            self.exports[export.id] = export
            return ok([export.view()])

    def _find_export(self, request: Request) -> Export | Response:
        export = self.exports.get(request.params["id"])
        if export is None:
            return failed("1029", f"Export {request.params['id']} not found")
        export.advance(self.database, self.clock.now(), self.job_delay_s)
        return export

    def _export_enqueue(self, request: Request) -> Response:
        with self.lock:
            export = self._find_export(request)
            if isinstance(export, Response):
                return export
            if export.status == "Created":
                export.status, export.queued = "Queued", self.clock.now()
            return ok([export.view()])

    def _export_status(self, request: Request) -> Response:
        with self.lock:
            export = self._find_export(request)
            return export if isinstance(export, Response) else ok([export.view()])

    def _export_file(self, request: Request) -> Response:
        with self.lock:
            export = self._find_export(request)
            if isinstance(export, Response):
                return export
            if export.status != "Completed":
                return failed("1029", "Export file not available yet")
            return Response(200, export.file.encode(), "text/csv; charset=utf-8")


def _multipart_file(request: Request) -> bytes | None:
    if "multipart/form-data" not in request.content_type:
        return None
    head = f"Content-Type: {request.headers.get('Content-Type')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else None
    return None
