"""Calling Constant Contact v3: a Bearer access token, renewed with the refresh token when one is configured.

The public templates carry ``apiKey`` and ``accessToken`` (the v2 pair). In v3 the API key is the OAuth client
id; with ``refreshToken`` and ``clientSecret`` an expired access token (401) is renewed at ``tokenUrl``, without
them a 401 fails the job with a message saying so. Field names follow the v2 import columns the templates use
(``Email``, ``First Name``, ``Custom Field 1`` / ``CustomField1``), mapped to v3's (``email``, ``first_name``,
custom field ``custom_field_1``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from dataflow.component import ParamProblem
from dataflow.errors import FatalError
from steps.rest.auth import AccessToken, FixedHeaders, basic
from steps.rest.base import PartnerStep
from steps.rest.client import RestClient
from steps.rest.values import check_url

DEFAULT_API_URL = "https://api.cc.email/v3"
DEFAULT_TOKEN_URL = "https://authz.constantcontact.com/oauth2/default/v1/token"
STANDARD = {
    "email": "email",
    "emailaddress": "email",
    "firstname": "first_name",
    "lastname": "last_name",
    "jobtitle": "job_title",
    "companyname": "company_name",
    "phone": "phone",
    "workphone": "phone",
}
_CUSTOM = re.compile(r"^custom[ _-]?field[ _-]?(\d+)$", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def v3_name(name: str) -> str:
    """The v3 import property for a v2-style column: ``email``, ``first_name``... or ``cf:<custom field>``.

    Cached: every record of a job names the same few columns, and the regular expressions cost more than the
    rest of a contact's mapping."""
    squeezed = re.sub(r"[\s_-]+", "", name.strip().lower())
    if squeezed in STANDARD:
        return STANDARD[squeezed]
    custom = _CUSTOM.match(name.strip())
    if custom:
        return f"cf:custom_field_{custom.group(1)}"
    return "cf:" + re.sub(r"[\s-]+", "_", name.strip().lower())


def v2_name(custom_field: str) -> str:
    """``custom_field_1`` -> ``CustomField1`` (the column the inbound template renames); others as they are."""
    custom = _CUSTOM.match(custom_field)
    return f"CustomField{custom.group(1)}" if custom else custom_field


class ConstantContactStep(PartnerStep):
    needs_service = "constantcontact"
    secret_params = ("accessToken", "refreshToken", "clientSecret")

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from check_url(params, "apiUrl")
        yield from check_url(params, "tokenUrl")
        if bool(params.get("refreshToken")) != bool(params.get("clientSecret")):
            yield ParamProblem((), "set both refreshToken and clientSecret (to renew expired tokens), or neither")

    def make_client(self) -> RestClient:
        base = str(self.params.get("apiUrl") or DEFAULT_API_URL).rstrip("/")
        self.context.info(f"Constant Contact: {base}, list {self.list_id}")
        token = str(self.params["accessToken"])
        if not self.params.get("refreshToken"):
            return self.rest("Constant Contact", base, FixedHeaders({"Authorization": f"Bearer {token}"}))
        handed = [token]

        def fetch() -> tuple[str, float | None]:
            if handed:
                return handed.pop(), None
            return self._refresh()

        return self.rest("Constant Contact", base, AccessToken(fetch, self.on_token))

    def _refresh(self) -> tuple[str, float | None]:
        url = str(self.params.get("tokenUrl") or DEFAULT_TOKEN_URL)
        client = self.rest(
            "Constant Contact OAuth", url, basic(str(self.params["apiKey"]), str(self.params["clientSecret"]))
        )
        try:
            body = client.json(
                "POST", url, data={"grant_type": "refresh_token", "refresh_token": self.params["refreshToken"]}
            )
        except Exception as problem:
            raise FatalError(f"Constant Contact refused to renew the access token: {problem}") from None
        finally:
            client.close()
        return str(body["access_token"]), float(body.get("expires_in") or 86_400)

    @property
    def list_id(self) -> str:
        return str(self.params["listId"]).strip()

    def next_url(self, href: str) -> str:
        """``_links.next.href`` is a path from the host (``/v3/contacts?cursor=…``)."""
        parts = urlsplit(self.client.base_url)
        return f"{parts.scheme}://{parts.netloc}{href}" if href.startswith("/") else href
