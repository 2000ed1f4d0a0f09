"""Calling Campaign Monitor: HTTP Basic with the API key as user name (password ``x``), ``apiUrl`` the v3.3 root.

A 401 means a wrong key (nothing to renew: the job fails); 429 and 5xx are retried by the engine's policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dataflow.component import ParamProblem
from steps.rest.auth import basic
from steps.rest.base import PartnerStep
from steps.rest.client import RestClient
from steps.rest.values import check_url

DEFAULT_API_URL = "https://api.createsend.com/api/v3.3"


class CampaignMonitorStep(PartnerStep):
    needs_service = "campaignmonitor"
    secret_params = ("apiKey",)

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from check_url(params, "apiUrl")

    def make_client(self) -> RestClient:
        base = str(self.params.get("apiUrl") or DEFAULT_API_URL).rstrip("/")
        self.context.info(f"Campaign Monitor: {base}, list {self.list_id}")
        return self.rest("Campaign Monitor", base, basic(str(self.params["apiKey"]), "x"))

    @property
    def list_id(self) -> str:
        return str(self.params["listId"]).strip()
