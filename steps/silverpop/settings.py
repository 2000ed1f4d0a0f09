"""Where a Silverpop (Acoustic Campaign) org lives and how to log in, resolved once per step from its params.

IdentitySync's Silverpop components name the org by ``podNumber`` (the digit in engage5.silverpop.com); the
XML API and SFTP hosts follow from it (silverpop.md §1: pods 1-5 are us-1..us-5, 6 eu-1, 7 ap-2, 8 ca-1,
9 us-6, A ap-1, B ap-3, 0 the pilot). Our own ``apiUrl`` overrides the API host (an emulator, a proxy, a new
region) and ``host``/``port`` the SFTP server. ``username``/``password`` log in to SFTP as that user;
without them SFTP logs in as ``oauth`` with the current access token (the Acoustic "Authenticate to FTP with
OAuth" method). Secrets stay inside :class:`Settings`: ``repr`` hides them and nothing formats them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from dataflow.component import ParamProblem
from dataflow.errors import FatalError
from steps.storage.ssh_keys import check_host_key_params

POD_REGIONS = {
    "1": "us-1",
    "2": "us-2",
    "3": "us-3",
    "4": "us-4",
    "5": "us-5",
    "6": "eu-1",
    "7": "ap-2",
    "8": "ca-1",
    "9": "us-6",
    "a": "ap-1",
    "b": "ap-3",
}
PILOT_PODS = frozenset({"0", "pilot"})
OAUTH_SFTP_USER = "oauth"
HOST_KEY_PARAMS = ("hostKeyFingerprint", "hostKey", "knownHosts")


def _pod(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value).strip().lower()


def api_base(pod: Any) -> str:
    """``https://api-campaign-<region>.goacoustic.com`` for a pod; ``FatalError`` for an unknown one."""
    key = _pod(pod)
    if key in PILOT_PODS:
        return "https://api.pilot.silverpop.com"
    if key in POD_REGIONS:
        return f"https://api-campaign-{POD_REGIONS[key]}.goacoustic.com"
    raise FatalError(f"unknown Silverpop podNumber '{pod}'; known: 0-9, A, B (or set apiUrl)")


def sftp_host(pod: Any) -> str:
    key = _pod(pod)
    if key in POD_REGIONS:
        return f"transfer-campaign-{POD_REGIONS[key]}.goacoustic.com"
    raise FatalError(f"no SFTP host is known for Silverpop podNumber '{pod}'; set host")


def normalize_api_url(url: str) -> str:
    """The base URL without a trailing ``/XMLAPI`` (the Java client's form) or slash."""
    base = url.strip().rstrip("/")
    if base.lower().endswith("/xmlapi"):
        base = base[: -len("/XMLAPI")]
    return base


@dataclass(frozen=True)
class Settings:
    api_base: str
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    sftp_host: str | None = None
    sftp_port: int = 22
    sftp_username: str | None = None
    sftp_password: str | None = field(default=None, repr=False)
    timeout: float = 60.0

    @property
    def api_url(self) -> str:
        return f"{self.api_base}/XMLAPI"

    @property
    def token_url(self) -> str:
        return f"{self.api_base}/oauth/token"

    @property
    def sftp_oauth(self) -> bool:
        """SFTP logs in as ``oauth`` with the access token unless a user and password are configured."""
        return not (self.sftp_username and self.sftp_password)

    @property
    def org_key(self) -> tuple[str, str]:
        """What identifies one org's limits (10 concurrent calls) and token cache inside this process."""
        return (self.api_base, self.client_id)

    def describe(self) -> str:
        sftp = f"{self.sftp_host}:{self.sftp_port}" if self.sftp_host else "no SFTP host"
        who = OAUTH_SFTP_USER if self.sftp_oauth else self.sftp_username
        return f"XML API {self.api_base} (client {self.client_id}), SFTP {who}@{sftp}"


ENV_API_URL, ENV_SFTP_HOST, ENV_SFTP_PORT = "SILVERPOP_API_URL", "SILVERPOP_SFTP_HOST", "SILVERPOP_SFTP_PORT"


def resolve(params: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """The step's connection; ``FatalError`` when a value cannot work.

    Where the org is: the step's ``apiUrl``/``host``/``port`` first, then the job environment's
    ``SILVERPOP_API_URL``/``SILVERPOP_SFTP_HOST``/``SILVERPOP_SFTP_PORT`` (a site-wide proxy, or the sandbox of
    ``dataflow run --sandbox``), then the hosts of ``podNumber``.
    """
    environ = environ or {}
    params = {
        **params,
        "apiUrl": params.get("apiUrl") or environ.get(ENV_API_URL),
        "host": params.get("host") or environ.get(ENV_SFTP_HOST),
        "port": params.get("port") if params.get("host") else environ.get(ENV_SFTP_PORT) or params.get("port"),
    }
    api_url = params.get("apiUrl")
    base = normalize_api_url(str(api_url)) if api_url else api_base(params.get("podNumber"))
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FatalError(f"Silverpop apiUrl '{api_url}' must look like https://host[:port]")
    host = params.get("host") or None
    if host is None and params.get("podNumber") not in (None, ""):
        try:
            host = sftp_host(params.get("podNumber"))
        except FatalError:
            host = None
    return Settings(
        api_base=base,
        client_id=str(params["clientId"]),
        client_secret=str(params["clientSecret"]),
        refresh_token=str(params["refreshToken"]),
        sftp_host=str(host) if host else None,
        sftp_port=int(params.get("port") or 22),
        sftp_username=str(params["username"]) if params.get("username") else None,
        sftp_password=str(params["password"]) if params.get("password") else None,
        timeout=float(params.get("timeout") or 60),
    )


def host_key_params(params: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """The SFTP trust settings in the shape ``steps.storage.ssh_keys`` reads (``host``/``port`` included)."""
    trust = {name: params[name] for name in HOST_KEY_PARAMS if params.get(name)}
    return {"host": settings.sftp_host, "port": settings.sftp_port, **trust}


def _placeholder(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def check_connection(params: Mapping[str, Any], uses_sftp: bool) -> Iterable[ParamProblem]:
    """Load-time checks of the connection params shared by every Silverpop component."""
    pod, api_url = params.get("podNumber"), params.get("apiUrl")
    if api_url in (None, "") and pod in (None, ""):
        yield ParamProblem((), "set podNumber (the Engage pod, e.g. 5) or apiUrl")
    elif api_url in (None, "") and not _placeholder(pod):
        key = _pod(pod)
        if key not in POD_REGIONS and key not in PILOT_PODS:
            yield ParamProblem(("podNumber",), f"unknown Silverpop pod '{pod}'; known: 0-9, A, B (or set apiUrl)")
    if isinstance(api_url, str) and api_url and not _placeholder(api_url):
        parts = urlsplit(normalize_api_url(api_url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            yield ParamProblem(("apiUrl",), "apiUrl must look like https://host[:port]")
    if bool(params.get("username")) != bool(params.get("password")):
        yield ParamProblem((), "set both username and password for SFTP, or neither (then SFTP logs in with OAuth)")
    if not uses_sftp:
        return
    host = params.get("host")
    if not host and (pod in (None, "") or _pod(pod) not in POD_REGIONS):
        yield ParamProblem((), "set host (the Silverpop SFTP server): it cannot be derived from podNumber")
        return
    shown = {**params, "host": host or sftp_host(pod), "port": params.get("port") or 22}
    # The validating process's environment decides whether a site-wide known_hosts file stands in.
    for name, message in check_host_key_params(shown, os.environ):
        yield ParamProblem((name,) if name else (), message)


def check_id(params: Mapping[str, Any], name: str) -> Iterable[ParamProblem]:
    """List and table ids are numbers; a string may still be a ``${...}`` placeholder filled at run time."""
    value = params.get(name)
    if isinstance(value, str) and not _placeholder(value) and not value.strip().isdigit():
        yield ParamProblem((name,), f"{name} must be a Silverpop id (a number), not '{value}'")


def id_list(value: Any) -> list[str]:
    """One id, a comma-separated string of ids, or an array of them, as a list of id strings."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]
