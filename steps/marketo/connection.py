"""Where a Marketo instance lives, how to get its access token, and how to read its answers.

``baseUrl`` is the instance's REST endpoint (``https://123-ABC-456.mktorest.com``; a trailing ``/rest`` is
accepted). Access tokens come from ``/identity/oauth/token`` with the client credentials and last about an hour.
Marketo reports most failures inside an HTTP 200 as ``{"success": false, "errors": [{"code", "message"}]}``:
601/602 (token unknown or expired) renew the token, 606/615 (rate and concurrency limits), 604/608/611/713
(timeouts, unavailable) and 1016/1029 (too many imports or jobs) are retried; any other code is final.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import requests

from dataflow import jsonio
from dataflow.component import ParamProblem
from dataflow.errors import FatalError
from steps.rest.auth import AccessToken
from steps.rest.base import PartnerStep
from steps.rest.client import RestClient, default_classify, default_describe
from steps.rest.errors import FAIL, OK, RENEW, RETRY, Verdict
from steps.rest.polling import wait_until
from steps.rest.values import check_url

RENEW_CODES = frozenset({"601", "602"})
RETRY_CODES = frozenset({"604", "606", "608", "611", "615", "713", "1016", "1029"})


def base_url(value: str) -> str:
    base = value.strip().rstrip("/")
    for suffix in ("/rest", "/identity", "/bulk"):
        if base.lower().endswith(suffix):
            base = base[: -len(suffix)]
    return base


def first_error(response: requests.Response) -> tuple[str, str] | None:
    """``(code, message)`` of a ``success: false`` JSON answer; None for anything else."""
    if "json" not in (response.headers.get("Content-Type") or ""):
        return None
    try:
        body = jsonio.loads(response.content)
    except (ValueError, jsonio.JSONDecodeError):
        return None
    if not isinstance(body, dict) or body.get("success") is not False:
        return None
    errors = body.get("errors") or [{}]
    return str(errors[0].get("code") or ""), str(errors[0].get("message") or "")


def classify(response: requests.Response) -> Verdict:
    error = first_error(response)
    if error is None:
        return default_classify(response)
    code, message = error
    if code in RENEW_CODES:
        return Verdict(RENEW, f"code {code}")
    if code in RETRY_CODES:
        return Verdict(RETRY, f"code {code}")
    if 200 <= response.status_code < 300:
        return Verdict(FAIL, f"code {code}: {message}")
    return default_classify(response)


def describe(response: requests.Response) -> str:
    error = first_error(response)
    return f"{error[1]} (code {error[0]})" if error else default_describe(response)


class MarketoStep(PartnerStep):
    needs_service = "marketo"
    secret_params = ("clientSecret",)

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from check_url(params, "baseUrl")

    def make_client(self) -> RestClient:
        base = base_url(str(self.params["baseUrl"]))
        self.context.info(f"Marketo: {base} (client {self.params['clientId']})")
        return self.rest(
            "Marketo",
            base,
            AccessToken(lambda: self._fetch_token(base), self.on_token),
            classify=classify,
            describe=describe,
        )

    def _fetch_token(self, base: str) -> tuple[str, float | None]:
        token_client = self.rest("Marketo identity", base)
        query = {
            "grant_type": "client_credentials",
            "client_id": self.params["clientId"],
            "client_secret": self.params["clientSecret"],
        }
        try:
            body = token_client.json("GET", "/identity/oauth/token", params=query)
        except Exception as problem:
            raise FatalError(f"Marketo refused the client credentials: {problem}") from None
        finally:
            token_client.close()
        if not isinstance(body, dict) or not body.get("access_token"):
            raise FatalError(f"Marketo gave no access token: {body}")
        return str(body["access_token"]), float(body.get("expires_in") or 3600)

    def poll(self, check: Callable[[], Any], done: Callable[[Any], bool], what: str, prefix: str) -> Any:
        return wait_until(
            check,
            done,
            poll=float(self.params.get(f"{prefix}PollSeconds", 5.0)),
            timeout=float(self.params.get(f"{prefix}TimeoutSeconds", 7200)),
            what=what,
            cancel=self.context.job.cancel_event,
        )


__all__ = ["OK", "MarketoStep", "base_url", "classify"]
