"""``datasource.write.bluekai``: each record's fields as phints on its user, through the User Data API.

One signed ``GET {domain}/getdata/{siteId}/{version}`` per record (the API takes one user a call, up to 1,000
calls a second), ``maxConnections`` at once: ``puserid`` is the record's ``uniqueIdField``, every other field a
``phint`` ``name=value`` (flatten nested objects first, as the public template does with field.flatten). The call
is signed with ``secretKey``: ``bksig`` = Base64(HMAC-SHA256(METHOD + path + the query values in order)), sent
with the web service user key ``bkuid``. A refused signature fails the job; a call BlueKai refuses for the record
sends it down the error path with BlueKai's message; rate limits and 5xx are retried.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

from dataflow.component import ParamProblem, Record, RecordStep
from dataflow.errors import FatalError, RecordError
from dataflow.runtime.context import StepContext
from steps.gigya.pool import Workers
from steps.rest.base import PartnerStep
from steps.rest.client import RestClient
from steps.rest.errors import PartnerError
from steps.rest.values import as_text, check_url, public_fields


def sign(secret: str, method: str, path: str, values: list[str]) -> str:
    message = (method.upper() + path + "".join(values)).encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


class WriteBlueKai(PartnerStep, RecordStep):
    type: ClassVar[str] = "datasource.write.bluekai"
    needs_service: ClassVar[str | None] = "bluekai"
    secret_params: ClassVar[tuple[str, ...]] = ("secretKey",)

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from check_url(params, "domain")

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self.workers: Workers | None = None

    def open(self) -> None:
        self.workers = Workers(self.concurrency, self.context.step_id)

    def make_client(self) -> RestClient:
        domain = str(self.params.get("domain") or "https://api.tags.bluekai.com").rstrip("/")
        self.context.info(f"BlueKai: {domain}, site {self.params['siteId']}")
        return self.rest("BlueKai", domain)

    @property
    def path(self) -> str:
        base = urlsplit(self.client.base_url).path.rstrip("/")
        return f"{base}/getdata/{self.params['siteId']}/{self.params.get('version') or 'v1.2'}"

    def call(self, record: Record) -> None:
        fields = public_fields(record)
        id_field = str(self.params.get("uniqueIdField") or "UID")
        user = fields.pop(id_field, None)
        if user in (None, ""):
            raise RecordError(f"the record has no {id_field} (the BlueKai partner user id)")
        pairs = [("puserid", as_text(user))]
        pairs += [("phint", f"{name}={as_text(value)}") for name, value in fields.items() if value is not None]
        path = self.path
        signature = sign(str(self.params["secretKey"]), "GET", path, [value for _, value in pairs])
        query = urlencode([*pairs, ("bkuid", str(self.params["bkuid"])), ("bksig", signature)], quote_via=quote)
        url = urlsplit(self.client.base_url)._replace(path=path, query=query).geturl()
        try:
            self.client.request("GET", url)
        except PartnerError as refused:
            if refused.status in (401, 403):
                raise FatalError(
                    f"BlueKai refused the call: {refused.message} (check bkuid, secretKey, siteId)"
                ) from None
            raise RecordError(f"BlueKai refused the user: {refused.message}", status=refused.status) from None

    def process_batch(self, items: list[Record]) -> list[Record]:
        assert self.workers is not None
        passed = []
        for record, (_, failure) in zip(items, self.workers.map(self.call, items), strict=True):
            if failure is not None:
                self.reject(record, failure.message, **failure.details)
            else:
                passed.append(record)
        return passed

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()
            self.workers = None
        super().close()
