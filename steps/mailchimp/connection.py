"""Where a Mailchimp account lives and how to call it.

The API key ends with the account's data center (``…-us6``); IdentitySync's ``apiUrl`` is written
``https://<dc>.api.mailchimp.com/3.0/`` with the ``<dc>`` left for the key to fill. Authentication is HTTP Basic
with any user name and the key as password. A 401 means a wrong key: there is no token to renew.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from dataflow.component import ParamProblem
from dataflow.errors import FatalError
from steps.rest.auth import basic
from steps.rest.base import PartnerStep
from steps.rest.client import RestClient
from steps.rest.values import check_url

DEFAULT_API_URL = "https://<dc>.api.mailchimp.com/3.0/"


def api_base(params: Mapping[str, Any]) -> str:
    url = str(params.get("apiUrl") or DEFAULT_API_URL).strip()
    if "<dc>" in url:
        key = str(params.get("apiKey") or "")
        data_center = key.rsplit("-", 1)[1] if "-" in key else ""
        if not data_center:
            raise FatalError("the Mailchimp apiKey does not end with its data center (…-us6); set apiUrl in full")
        url = url.replace("<dc>", data_center)
    return url.rstrip("/")


def check_connection(params: Mapping[str, Any]) -> Iterable[ParamProblem]:
    url = params.get("apiUrl")
    if isinstance(url, str) and "<dc>" not in url:
        yield from check_url(params, "apiUrl")
    key = params.get("apiKey")
    derived = url is None or (isinstance(url, str) and "<dc>" in url)
    if derived and isinstance(key, str) and "${" not in key and "-" not in key:
        yield ParamProblem(("apiKey",), "a Mailchimp API key ends with its data center (…-us6)")


def subscriber_hash(email: str) -> str:
    """Mailchimp names a member by the MD5 of its lower-cased address."""
    return hashlib.md5(email.strip().lower().encode()).hexdigest()


class MailchimpStep(PartnerStep):
    needs_service = "mailchimp"
    secret_params = ("apiKey",)

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from check_connection(params)

    def make_client(self) -> RestClient:
        base = api_base(self.params)
        self.context.info(f"Mailchimp: {base}, audience {self.params['listId']}")
        return self.rest("Mailchimp", base, basic("dataflow", str(self.params["apiKey"])))

    @property
    def list_id(self) -> str:
        return str(self.params["listId"]).strip()
