"""Request authentication exactly as gigya.md §2 describes, with the leniency a loopback server needs.

Accepted: ``secret`` in the request (partner secret, or the user's with ``userKey``); an HMAC-SHA1 ``sig`` over
the OAuth1-style base string with ``timestamp`` (seconds, or milliseconds as the node SDK sends) and ``nonce``;
``Authorization: Bearer <RS256 JWT>`` with ``kid`` = userKey; an ``oauth_token`` from ``socialize.getToken``.

Clients sign the URL they *think* they call (``https://accounts.us1.gigya.com/accounts.search``), not the
loopback address they reach through a proxy or a custom transport, so a signature is checked against every URL
the request could honestly name: the absolute-form target, the ``Host`` header, an ``X-Gigya-Host`` header, and
the data center's canonical host (and every other DC's), each over http and https. A wrong secret still fails
all of them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from sandbox.gigya import bearer
from sandbox.gigya.clock import Clock
from sandbox.gigya.config import SandboxConfig
from sandbox.gigya.errors import GigyaError, missing


@dataclass
class RequestInfo:
    """What the HTTP layer learnt about one call, for auth, routing and the audit log."""

    method_name: str
    http_method: str
    path: str
    params: dict[str, str]
    headers: Mapping[str, str] = field(default_factory=dict)
    target_scheme: str | None = None
    """Scheme and host of an absolute-form request line (a client going through a proxy)."""
    target_host: str | None = None
    client_ip: str = "127.0.0.1"
    malformed: bool = False
    """The body could not be parsed (400001)."""


@dataclass
class Principal:
    user_key: str | None
    mode: str  # "secret" | "signature" | "bearer" | "oauth"


def enc(value: str) -> str:
    """RFC 3986 percent-encoding: only ``A-Za-z0-9-._~`` stay as they are."""
    return quote(value, safe="-._~")


def normalized_url(scheme: str, host: str, path: str) -> str:
    scheme = scheme.lower()
    host = host.lower()
    if (scheme == "http" and host.endswith(":80")) or (scheme == "https" and host.endswith(":443")):
        host = host.rsplit(":", 1)[0]
    return f"{scheme}://{host}{path}"


def signature(secret: str, http_method: str, url: str, params: Mapping[str, str]) -> str:
    """The Gigya request signature: Base64(HMAC-SHA1(b64decode(secret), base string))."""
    query = "&".join(f"{key}={enc(params[key])}" for key in sorted(params))
    base = f"{http_method.upper()}&{enc(url)}&{enc(query)}"
    digest = hmac.new(base64.b64decode(secret), base.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def uid_signature(secret: str, timestamp: int, uid: str) -> str:
    digest = hmac.new(base64.b64decode(secret), f"{timestamp}_{uid}".encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


DATA_CENTERS = ("us1", "eu1", "eu2", "au1", "ru1", "global", "cn1", "il1", "us1-st1")


def canonical_host(method_name: str, data_center: str) -> str:
    namespace = method_name.split(".", 1)[0]
    domain = "gigya-api.cn" if data_center.startswith("cn") else "gigya.com"
    return f"{namespace}.{data_center}.{domain}"


class Authenticator:
    """Checks one request's credentials; remembers nonces and OAuth tokens."""

    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._nonces: dict[tuple[str | None, str], float] = {}
        self._tokens: dict[str, tuple[str | None, float]] = {}
        self._lock = threading.Lock()

    # -- entry point -------------------------------------------------------------------------------------
    def authenticate(self, request: RequestInfo) -> Principal:
        params = request.params
        authorization = request.headers.get("Authorization") or request.headers.get("authorization") or ""
        token = params.get("oauth_token")
        if authorization[:6].lower() == "oauth ":
            token = authorization[6:].strip()
        api_key = params.get("apiKey")
        if api_key is None and token is None:
            raise missing("apiKey")
        if api_key is not None and api_key != self.config.api_key:
            raise GigyaError(400093, f"Invalid ApiKey parameter: {api_key}")
        if authorization[:7].lower() == "bearer ":
            return self._bearer(authorization[7:].strip())
        if token is not None:
            return self._oauth(token)
        user_key = params.get("userKey") or None
        if user_key is not None and not self.config.knows_user(user_key):
            raise GigyaError(403005, f"Unauthorized user: unknown userKey {user_key}")
        expected = self.config.secret_of(user_key)
        if "sig" in params:
            self._check_signature(request, user_key, expected)
            return Principal(user_key, "signature")
        if "secret" in params:
            scheme = request.target_scheme or "http"
            if self.config.reject_plain_secret and scheme == "http":
                raise GigyaError(403006, "Secret sent over http: sign the request instead")
            if expected is None or not hmac.compare_digest(params["secret"].encode(), expected.encode()):
                raise GigyaError(403003, "Invalid request signature: wrong secret")
            return Principal(user_key, "secret")
        raise GigyaError(400002, "Missing required parameter: secret, sig or an Authorization header")

    # -- HMAC signatures -----------------------------------------------------------------------------------
    def _check_signature(self, request: RequestInfo, user_key: str | None, secret: str | None) -> None:
        params = request.params
        raw_timestamp = params.get("timestamp")
        if not raw_timestamp:
            raise missing("timestamp")
        if not params.get("nonce"):
            raise missing("nonce")
        try:
            stamp = float(raw_timestamp)
        except ValueError:
            raise GigyaError(400006, f"Invalid timestamp: {raw_timestamp!r}") from None
        seconds = stamp / 1000 if stamp > 1e11 else stamp  # the node SDK sends Date.now() in ms
        now = self.clock.now()
        if abs(now - seconds) > self.config.signature_window_s:
            raise GigyaError(403002, f"Request has expired: timestamp {raw_timestamp} is too far from server time")
        if secret is None or not self._signature_matches(request, secret):
            raise GigyaError(403003, "Invalid request signature")
        if self.config.check_nonce:
            self._remember_nonce(user_key, params["nonce"], now)

    def _signature_matches(self, request: RequestInfo, secret: str) -> bool:
        sent = request.params["sig"]
        signed = {key: value for key, value in request.params.items() if key != "sig"}
        variants = [signed]
        if any(value in ("false", "0") for value in signed.values()):
            # The node SDK signs falsy values as "" but sends "false"/"0" (gigya.md §2).
            variants.append({k: ("" if v in ("false", "0") else v) for k, v in signed.items()})
        methods = {"POST", request.http_method.upper()}
        for url in self._candidate_urls(request):
            for method in methods:
                for variant in variants:
                    if hmac.compare_digest(signature(secret, method, url, variant), sent):
                        return True
        return False

    def _candidate_urls(self, request: RequestInfo) -> Iterable[str]:
        path = request.path
        hosts: list[str] = []
        if request.target_host:
            hosts.append(request.target_host)
        for header in ("X-Gigya-Host", "Host"):
            value = request.headers.get(header)
            if value:
                hosts.append(value)
        hosts.append(canonical_host(request.method_name, self.config.data_center))
        # A client configured for another data center but pointed here signs that DC's host.
        hosts.extend(canonical_host(request.method_name, dc) for dc in DATA_CENTERS)
        seen: set[str] = set()
        for host in hosts:
            for scheme in ("https", "http"):
                url = normalized_url(scheme, host, path)
                if url not in seen:
                    seen.add(url)
                    yield url

    def _remember_nonce(self, user_key: str | None, nonce: str, now: float) -> None:
        with self._lock:
            horizon = now - 2 * self.config.signature_window_s
            if len(self._nonces) > 100_000:
                self._nonces = {key: when for key, when in self._nonces.items() if when >= horizon}
            key = (user_key, nonce)
            seen = self._nonces.get(key)
            if seen is not None and seen >= horizon:
                raise GigyaError(403004, f"Duplicate nonce: {nonce}")
            self._nonces[key] = now

    # -- bearer JWT and OAuth2 tokens ----------------------------------------------------------------------
    def _bearer(self, token: str) -> Principal:
        try:
            header, payload, signing_input, sig = bearer.split(token)
        except bearer.JwtError as problem:
            raise GigyaError(400006, f"Invalid JWT: {problem}") from None
        user_key = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(user_key, str):
            raise GigyaError(400006, "Invalid JWT: expected alg RS256 and a kid")
        public_pem = self.config.user_public_keys.get(user_key)
        if public_pem is None:
            raise GigyaError(403005, f"Unauthorized user: no public key for userKey {user_key}")
        iat = payload.get("iat")
        if not isinstance(iat, int | float) or abs(self.clock.now() - iat) > self.config.signature_window_s:
            raise GigyaError(403002, "Request has expired: JWT iat is missing or too far from server time")
        if not bearer.rs256_valid(signing_input, sig, public_pem):
            raise GigyaError(403003, "Invalid request signature: JWT signature does not verify")
        if self.config.check_nonce and isinstance(payload.get("jti"), str):
            self._remember_nonce(user_key, payload["jti"], self.clock.now())
        return Principal(user_key, "bearer")

    def issue_token(self, client_id: str, client_secret: str, expires_in: int = 3600) -> str:
        """``socialize.getToken`` with ``grant_type=none``: client_id is the userKey or the apiKey."""
        user_key = None if client_id == self.config.api_key else client_id
        if user_key is not None and not self.config.knows_user(user_key):
            raise GigyaError(403005, f"Unauthorized user: unknown client_id {client_id}")
        expected = self.config.secret_of(user_key)
        if expected is None or not hmac.compare_digest(client_secret.encode(), expected.encode()):
            raise GigyaError(403003, "Invalid request signature: wrong client_secret")
        token = "st2." + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (user_key, self.clock.now() + expires_in)
        return token

    def _oauth(self, token: str) -> Principal:
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None or entry[1] < self.clock.now():
            raise GigyaError(403005, "Unauthorized user: invalid or expired oauth_token")
        return Principal(entry[0], "oauth")
