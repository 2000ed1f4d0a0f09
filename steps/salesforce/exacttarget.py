"""``datasource.write.exacttarget``: records into a Marketing Cloud data extension, through the async rows API.

Tokens come from ``authUrl``: the legacy ``/v1/requestToken`` (clientId and clientSecret, what the public template
carries) or an installed package's ``/v2/token`` (client credentials, ``accountId`` optional), whose answer also
names the REST host. Up to ``recordsPerJob`` records go as one ``PUT /data/v1/async/dataextensions/key:{key}/rows``
(upsert on the extension's primary keys); the request is polled until complete and its per-row results send the
refused records down the error path with Marketing Cloud's message. Records missing one of ``primaryKeys`` are
refused before sending. An expired token (401) is renewed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import urlsplit

from dataflow.component import ParamProblem, Record
from dataflow.errors import FatalError
from steps.rest.auth import AccessToken
from steps.rest.client import RestClient
from steps.rest.polling import wait_until
from steps.rest.values import check_url, names, public_text
from steps.rest.writer import BufferedWriter, Refusals

LEGACY_AUTH_URL = "https://auth.exacttargetapis.com/v1/requestToken"
LEGACY_REST_URL = "https://www.exacttargetapis.com"


class WriteExactTarget(BufferedWriter):
    type: ClassVar[str] = "datasource.write.exacttarget"
    needs_service: ClassVar[str | None] = "sfmc"
    secret_params: ClassVar[tuple[str, ...]] = ("clientSecret",)
    job_size_default: ClassVar[int] = 2000

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from check_url(params, "authUrl")
        yield from check_url(params, "restUrl")

    def make_client(self) -> RestClient:
        rest_url: list[str] = [str(self.params.get("restUrl") or "")]

        def fetch() -> tuple[str, float | None]:
            token, lifetime, instance = self._token()
            if not rest_url[0]:
                rest_url[0] = instance or LEGACY_REST_URL
            return token, lifetime

        auth = AccessToken(fetch, self.on_token)
        auth.token()  # the v2 answer names the REST host
        self.context.info(f"Marketing Cloud: {rest_url[0]}, data extension {self.params['dataExtension']}")
        return self.rest("Marketing Cloud", rest_url[0].rstrip("/"), auth)

    def _token(self) -> tuple[str, float | None, str | None]:
        url = str(self.params.get("authUrl") or LEGACY_AUTH_URL)
        v2 = urlsplit(url).path.rstrip("/").endswith("/v2/token")
        if v2:
            body: dict[str, Any] = {
                "grant_type": "client_credentials",
                "client_id": self.params["clientId"],
                "client_secret": self.params["clientSecret"],
            }
            if self.params.get("accountId"):
                body["account_id"] = self.params["accountId"]
        else:
            body = {"clientId": self.params["clientId"], "clientSecret": self.params["clientSecret"]}
        client = self.rest("Marketing Cloud auth", url)
        try:
            answer = client.json("POST", url, json=body)
        except Exception as problem:
            raise FatalError(f"Marketing Cloud refused the client credentials: {problem}") from None
        finally:
            client.close()
        token = answer.get("access_token") or answer.get("accessToken")
        if not token:
            raise FatalError("Marketing Cloud gave no access token")
        lifetime = answer.get("expires_in") or answer.get("expiresIn")
        return str(token), float(lifetime) if lifetime else None, answer.get("rest_instance_url")

    def send(self, records: list[Record]) -> Refusals:
        keys = names(self.params.get("primaryKeys"))
        refused: Refusals = {}
        items, where = [], []
        for index, record in enumerate(records):
            row = public_text(record)
            missing = [key for key in keys if not row.get(key)]
            if missing:
                refused[index] = (f"missing primary key field(s) {', '.join(missing)}", {})
                continue
            items.append(row)
            where.append(index)
        if not items:
            return refused
        key = str(self.params["dataExtension"])
        started = self.client.json("PUT", f"/data/v1/async/dataextensions/key:{key}/rows", json={"items": items})
        request_id = started["requestId"]
        wait_until(
            lambda: self.client.json("GET", f"/data/v1/async/{request_id}/status"),
            lambda answer: (answer.get("status") or {}).get("requestStatus") in ("Complete", "Error"),
            poll=float(self.params.get("pollSeconds", 2.0)),
            timeout=float(self.params.get("timeoutSeconds", 3600)),
            what=f"Marketing Cloud request {request_id}",
            cancel=self.context.job.cancel_event,
        )
        results = self.client.json("GET", f"/data/v1/async/{request_id}/results").get("items") or []
        for position, result in enumerate(results[: len(where)]):
            if str(result.get("status")).lower() not in ("ok", "success"):
                refused[where[position]] = (str(result.get("message") or "refused"), {"requestId": request_id})
        self.context.info(f"Marketing Cloud request {request_id}: {len(items):,} rows sent, {len(refused):,} refused")
        return refused
