"""``SalesforceSandbox``: SOAP ``login``, sObject reads, SOQL and the Bulk API 2.0 ingest routes.

``POST /services/Soap/u/{version}`` takes the partner API's login envelope (password followed by the security
token) and answers a session id and a ``serverUrl`` on the listener that took the call, so a client that logged in
over HTTPS stays on HTTPS. REST calls carry ``Authorization: Bearer <session id>``; an unknown or expired session
is a 401 ``INVALID_SESSION_ID``. Faults: a rate limit is a 429 ``REQUEST_LIMIT_EXCEEDED`` with ``Retry-After``, a
server error a 503 ``SERVER_UNAVAILABLE``, an expired session the 401 above.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any
from xml.sax.saxutils import escape

from defusedxml.ElementTree import ParseError, fromstring

from sandbox.rest import RATE_LIMIT, SERVER_ERROR, PartnerSandbox, Request, Response, json_response
from sandbox.rest.tokens import VALID, TokenStore, bearer
from sandbox.salesforce.bulk import OPERATIONS, IngestJob
from sandbox.salesforce.objects import SObject, parse_soql, standard_objects

DATA = r"/services/data/v(?P<version>\d+\.\d)"
ORG_ID = "00D000000000SBXEAA"
USER_ID = "005000000000SBXAAA"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


def errors(status: int, code: str, message: str, **headers: str) -> Response:
    return json_response(status, [{"errorCode": code, "message": message}], **headers)


def login_fault(message: str) -> Response:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode>"
        f"<faultstring>INVALID_LOGIN: {escape(message)}</faultstring><detail>"
        '<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>'
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:LoginFault></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(500, body.encode(), "text/xml; charset=utf-8")


class SalesforceSandbox(PartnerSandbox):
    name = "salesforce"

    def __init__(self, *, job_delay_s: float = 0.0, session_ttl_s: int = 7200, **options: Any) -> None:
        options.setdefault("tls", True)
        super().__init__(**options)
        digest = hashlib.sha256(f"salesforce/{self.seed}".encode()).hexdigest()
        self.username = f"integration-{digest[:6]}@sandbox.example.com"
        self.password, self.security_token = digest[6:22], digest[22:46]
        self.sessions = TokenStore(self.clock, session_ttl_s, self.seed, "salesforce")
        self.objects: dict[str, SObject] = standard_objects()
        self.jobs: dict[str, IngestJob] = {}
        self.job_delay_s = job_delay_s
        self._serial = [0]

    def records(self, object_name: str = "Account") -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.objects[object_name.lower()].records.values()]

    def info(self) -> dict[str, Any]:
        return {
            **super().info(),
            "username": self.username,
            "password": self.password,
            "securityToken": self.security_token,
            "authEndpoint": f"{self.url}/services/Soap/u/59.0",
        }

    # -- pipeline hooks ----------------------------------------------------------------------------------------
    def authenticate(self, request: Request) -> Response | str | None:
        token = bearer(request.headers.get("Authorization"))
        if self.sessions.check(token) != VALID:
            return errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        return token

    def expire_credential(self, credential: str) -> None:
        self.sessions.expire(credential)

    def render_fault(self, kind: str, request: Request) -> Response:
        if kind == RATE_LIMIT:
            return errors(
                429,
                "REQUEST_LIMIT_EXCEEDED",
                "ConcurrentPerOrgLongTxn Limit exceeded.",
                Retry_After=str(self.faults.rates.retry_after_s),
            )
        if kind == SERVER_ERROR:
            return errors(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable, please retry")
        return errors(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def bad_request(self, message: str) -> Response:
        return errors(400, "JSON_PARSER_ERROR", message)

    def not_found(self, request: Request) -> Response:
        return errors(404, "NOT_FOUND", "The requested resource does not exist")

    # -- routes --------------------------------------------------------------------------------------------------
    def routes(self) -> None:
        add = self.router.add
        add("POST", r"/services/Soap/u/(?P<version>\d+\.\d)", self._login, public=True)
        add("GET", DATA + r"/sobjects/(?P<object>\w+)/(?P<field>\w+)/(?P<value>[^/]+)", self._by_field)
        add("GET", DATA + r"/query/?", self._query)
        add("POST", DATA + r"/jobs/ingest/?", self._create_job)
        add("GET", DATA + r"/jobs/ingest/(?P<job>\w+)/?", self._job_info)
        add("PATCH", DATA + r"/jobs/ingest/(?P<job>\w+)/?", self._job_state)
        add("DELETE", DATA + r"/jobs/ingest/(?P<job>\w+)/?", self._delete_job)
        add("PUT", DATA + r"/jobs/ingest/(?P<job>\w+)/batches/?", self._upload)
        add(
            "GET",
            DATA + r"/jobs/ingest/(?P<job>\w+)/(?P<kind>failedResults|successfulResults"
            r"|unprocessedRecords)/?",
            self._results,
        )

    def _login(self, request: Request) -> Response:
        try:
            root = fromstring(request.body)
        except ParseError:
            return login_fault("The login request is not XML")
        found = {element.tag.rsplit("}", 1)[-1]: (element.text or "") for element in root.iter()}
        if found.get("username") != self.username or found.get("password") != self.password + self.security_token:
            return login_fault("Invalid username, password, security token; or user locked out.")
        version, base = request.params["version"], request.base_url
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}" '
            'xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>'
            f"<metadataServerUrl>{base}/services/Soap/m/{version}/{ORG_ID}</metadataServerUrl>"
            "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
            f"<serverUrl>{base}/services/Soap/u/{version}/{ORG_ID}</serverUrl>"
            f"<sessionId>{self.sessions.issue()}</sessionId><userId>{USER_ID}</userId>"
            f"<userInfo><organizationId>{ORG_ID}</organizationId><userName>{escape(self.username)}</userName>"
            "</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"
        )
        return Response(200, body.encode(), "text/xml; charset=utf-8")

    def _object(self, name: str) -> SObject | None:
        return self.objects.get(name.lower())

    def _by_field(self, request: Request) -> Response:
        with self.lock:
            sobject = self._object(request.params["object"])
            field = sobject.canonical(request.params["field"]) if sobject else None
            if sobject is None or field is None:
                return errors(404, "NOT_FOUND", "The requested resource does not exist")
            record = next((r for r in sobject.records.values() if str(r.get(field)) == request.params["value"]), None)
            if record is None:
                return errors(404, "NOT_FOUND", "The requested resource does not exist")
            return json_response(200, sobject.view(record, None, f"/services/data/v{request.params['version']}"))

    def _query(self, request: Request) -> Response:
        try:
            fields, name, conditions, limit = parse_soql(request.arg("q") or "")
        except ValueError as problem:
            return errors(400, "MALFORMED_QUERY", str(problem))
        with self.lock:
            sobject = self._object(name)
            if sobject is None:
                return errors(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
            resolved = [(sobject.canonical(f), v) for f, v in conditions]
            chosen = [
                r for r in sobject.records.values() if all(f is not None and str(r.get(f)) == v for f, v in resolved)
            ][:limit]
            base = f"/services/data/v{request.params['version']}"
            rows = [sobject.view(r, fields, base) for r in chosen]
        return json_response(200, {"totalSize": len(rows), "done": True, "records": rows})

    def _create_job(self, request: Request) -> Response:
        body = request.json()
        if not isinstance(body, dict):
            return errors(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        with self.lock:
            sobject = self._object(str(body.get("object") or ""))
            if sobject is None:
                return errors(400, "INVALIDENTITY", f"Entity '{body.get('object')}' is not supported by the Bulk API.")
            operation = str(body.get("operation") or "")
            if operation not in OPERATIONS:
                return errors(400, "INVALIDJOB", f"Invalid operation: {operation}")
            external = str(body.get("externalIdFieldName") or "Id")
            canonical = sobject.canonical(external)
            if operation == "upsert" and canonical != "Id" and canonical not in sobject.external_ids:
                return errors(
                    400,
                    "INVALIDJOB",
                    f"InvalidJob : Field name provided, {external} is not an External "
                    f"ID or indexed field for {sobject.name}",
                )
            job = IngestJob(
                uuid.uuid4().hex[:15].upper(),
                sobject,
                operation,
                canonical or "Id",
                self.clock.now(),
                request.params["version"],
            )
            self.jobs[job.id] = job
            return json_response(200, job.view())

    def _job(self, request: Request) -> IngestJob | Response:
        job = self.jobs.get(request.params["job"])
        if job is None:
            return errors(404, "NOT_FOUND", "The requested resource does not exist")
        job.advance(self.clock.now(), self.job_delay_s, self._serial)
        return job

    def _job_info(self, request: Request) -> Response:
        with self.lock:
            job = self._job(request)
            return job if isinstance(job, Response) else json_response(200, job.view())

    def _job_state(self, request: Request) -> Response:
        body = request.json()
        with self.lock:
            job = self._job(request)
            if isinstance(job, Response):
                return job
            wanted = body.get("state") if isinstance(body, dict) else None
            if wanted == "UploadComplete" and job.state == "Open":
                job.state, job.closed = "UploadComplete", self.clock.now()
                job.advance(self.clock.now(), self.job_delay_s, self._serial)
            elif wanted == "Aborted" and job.state in ("Open", "UploadComplete"):
                job.state = "Aborted"
            else:
                return errors(400, "INVALIDJOBSTATE", f"Cannot change the state of a {job.state} job to {wanted}")
            return json_response(200, job.view())

    def _delete_job(self, request: Request) -> Response:
        with self.lock:
            return Response(204) if self.jobs.pop(request.params["job"], None) else self.not_found(request)

    def _upload(self, request: Request) -> Response:
        with self.lock:
            job = self._job(request)
            if isinstance(job, Response):
                return job
            if job.state != "Open":
                return errors(400, "INVALIDJOBSTATE", "Data can only be uploaded to an Open job")
            job.data.append(request.body)
            return Response(201)

    def _results(self, request: Request) -> Response:
        with self.lock:
            job = self._job(request)
            if isinstance(job, Response):
                return job
            if job.state != "JobComplete":
                return errors(400, "INVALIDJOBSTATE", "Results are available once the job is complete")
            if request.params["kind"] == "unprocessedRecords":
                return Response(200, (",".join(job.header) + "\n").encode(), "text/csv")
            return Response(200, job.results(request.params["kind"]), "text/csv")
