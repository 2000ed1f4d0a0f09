"""Where a Gigya site lives and how to authenticate to it, resolved once per step.

A job's site connection comes from ``context.job.environ`` (``GIGYA_*`` from the environment or
``dataflow run --site``); a step's own ``apiKey``/``userKey``/``secret``/``privateKey``/``dataCenter``/``baseUrl``
params override it field by field, which is how a cross-site flow reads one site and writes another.
Secrets stay inside :class:`SiteSettings`: ``repr`` masks them, and nothing here formats them into a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from dataflow.errors import FatalError

# Data center id -> API domain (gigya.md §1). A value holding a dot is taken as a domain as it is
# (``us1-st1.gigya.com``), so staging or a newly opened data center needs no code change.
DATA_CENTERS = {
    "us1": "us1.gigya.com",
    "eu1": "eu1.gigya.com",
    "eu2": "eu2.gigya.com",
    "au1": "au1.gigya.com",
    "ru1": "ru1.gigya.com",
    "il1": "il1.gigya.com",
    "global": "global.gigya.com",
    "cn1": "cn1.sapcdm.cn",  # the newer China domain (gigya-ts); older SDKs use cn1.gigya-api.cn
}
DEFAULT_DATA_CENTER = "us1"

# step param -> environment variable; the runner also redacts every *SECRET / *PRIVATE_KEY variable.
ENV_NAMES = {
    "apiKey": "GIGYA_API_KEY",
    "userKey": "GIGYA_USER_KEY",
    "secret": "GIGYA_SECRET",
    "privateKey": "GIGYA_PRIVATE_KEY",
    "dataCenter": "GIGYA_DATA_CENTER",
    "baseUrl": "GIGYA_BASE_URL",
}


@dataclass(frozen=True)
class SiteSettings:
    api_key: str
    user_key: str | None = None
    secret: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    data_center: str = DEFAULT_DATA_CENTER
    base_url: str | None = None  # http://127.0.0.1:PORT: every method goes to {base_url}/{method}

    @property
    def auth_mode(self) -> str:
        """``signed`` (HMAC-SHA1 with the secret), or ``bearer`` (an RS256 JWT from userKey + privateKey)."""
        if self.secret:
            return "signed"
        return "bearer"

    @property
    def api_domain(self) -> str:
        dc = self.data_center.strip().lower()
        return dc if "." in dc else DATA_CENTERS[dc]

    def url_for(self, method: str) -> str:
        """``https://{ns}.{domain}/{method}``; with a base URL, ``{base}/{method}`` (emulators route on the path)."""
        if self.base_url:
            return f"{self.base_url.rstrip('/')}/{method}"
        namespace = method.split(".", 1)[0]
        return f"https://{namespace}.{self.api_domain}/{method}"

    def describe(self) -> str:
        """A secret-free one-liner for the trace: which site, where, how authenticated."""
        where = self.base_url or self.api_domain
        who = f", userKey {self.user_key}" if self.user_key else ""
        return f"apiKey {self.api_key} at {where}{who} ({self.auth_mode})"


def normalize_method(method: str) -> str:
    """A method with no namespace is a ``socialize.`` method, as in every Gigya SDK."""
    method = method.strip()
    return method if "." in method else f"socialize.{method}"


def resolve(params: Mapping[str, Any], environ: Mapping[str, str]) -> SiteSettings:
    """The step's connection: its params over the job's ``GIGYA_*`` settings. Raises ``FatalError`` if unusable."""
    values: dict[str, str | None] = {}
    for param, env_name in ENV_NAMES.items():
        value = params.get(param)
        if value in (None, ""):
            value = environ.get(env_name)
        values[param] = str(value).strip() if value not in (None, "") else None
    api_key = values["apiKey"]
    if not api_key:
        raise FatalError("no Gigya site: set GIGYA_API_KEY (or dataflow run --site FILE, or the step's apiKey param)")
    if not values["secret"] and not (values["userKey"] and values["privateKey"]):
        raise FatalError(
            f"no Gigya credentials for apiKey {api_key}: set GIGYA_SECRET (with GIGYA_USER_KEY for an "
            "application key), or userKey + privateKey for bearer authentication"
        )
    data_center = values["dataCenter"] or DEFAULT_DATA_CENTER
    if "." not in data_center and data_center.lower() not in DATA_CENTERS:
        known = ", ".join(DATA_CENTERS)
        raise FatalError(f"unknown Gigya data center '{data_center}'; known: {known}, or a full API domain")
    base_url = values["baseUrl"]
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise FatalError(f"Gigya base URL '{base_url}' must look like http(s)://host[:port]")
    return SiteSettings(
        api_key=api_key,
        user_key=values["userKey"],
        secret=values["secret"],
        private_key=values["privateKey"],
        data_center=data_center,
        base_url=base_url,
    )
