"""Who is calling: the site (``apiKey``) and one of its user keys, proven by the ``secret`` or an HMAC-SHA1 ``sig``.

Sites and their keys live in the state store (``dataflow site add``). A signed request carries ``timestamp``
(seconds, or milliseconds as the node SDK sends) and ``nonce``; a nonce is accepted once within the time window.

SDKs sign the URL they believe they call (``https://idx.us1.gigya.com/idx.search``), not the address a proxy or
a custom transport takes them to, so a signature is checked against every URL the request could honestly name:
the ``Host`` header, ``X-Forwarded-Host`` and ``X-Gigya-Host``, and Gigya's ``idx.<dc>`` hosts, over http and
https. A wrong secret fails all of them.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from dataflow.gigya_signature import normalized_url, signature_matches
from dataflow.server.envelope import IdxError, invalid, missing
from dataflow.store import Store

SIGNATURE_WINDOW_SECONDS = 300
DATA_CENTERS = ("us1", "eu1", "eu2", "au1", "ru1", "cn1", "il1", "global")
_FORWARDED_HOST_HEADERS = ("host", "x-forwarded-host", "x-gigya-host")


@dataclass(frozen=True)
class Principal:
    site: str
    user_key: str
    mode: str  # "secret" | "signature"


@dataclass(frozen=True)
class CallInfo:
    """What the HTTP layer learnt about one call, for checking its credentials."""

    http_method: str
    path: str
    scheme: str
    headers: Mapping[str, str]  # lower-cased names


class Authenticator:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._nonces: dict[tuple[str, str, str], float] = {}
        self._lock = threading.Lock()

    def authenticate(self, params: Mapping[str, str], call: CallInfo) -> Principal:
        api_key = params.get("apiKey")
        if not api_key:
            raise missing("apiKey")
        if self.store.get_site(api_key) is None:
            raise IdxError(400093, f"Invalid ApiKey parameter: {api_key}")
        user_key = params.get("userKey")
        if not user_key:
            raise missing("userKey")
        secret = self.store.site_secret(api_key, user_key)
        if secret is None:
            raise IdxError(403005, f"Unauthorized user: userKey {user_key} has no access to this site")
        if "sig" in params:
            self._check_signature(params, call, api_key, user_key, secret)
            return Principal(api_key, user_key, "signature")
        if "secret" in params:
            if not hmac.compare_digest(params["secret"].encode(), secret.encode()):
                raise IdxError(403003, "Invalid request signature: wrong secret")
            return Principal(api_key, user_key, "secret")
        raise missing("secret (or sig with timestamp and nonce)")

    def check_secret(self, api_key: str, user_key: str, secret: str) -> bool:
        """The console's sign-in: whether the three keys belong together."""
        stored = self.store.site_secret(api_key, user_key) if api_key and user_key else None
        return stored is not None and hmac.compare_digest(stored.encode(), secret.encode())

    # -- signatures -------------------------------------------------------------------------------------------
    def _check_signature(
        self, params: Mapping[str, str], call: CallInfo, api_key: str, user_key: str, secret: str
    ) -> None:
        raw_timestamp = params.get("timestamp")
        if not raw_timestamp:
            raise missing("timestamp")
        nonce = params.get("nonce")
        if not nonce:
            raise missing("nonce")
        try:
            stamp = float(raw_timestamp)
        except ValueError:
            raise invalid(f"timestamp must be a number, not {raw_timestamp!r}") from None
        seconds = stamp / 1000 if stamp > 1e11 else stamp  # the node SDK sends Date.now() in milliseconds
        now = self.clock()
        if abs(now - seconds) > SIGNATURE_WINDOW_SECONDS:
            raise IdxError(403002, f"Request has expired: timestamp {raw_timestamp} is too far from server time")
        if not self._signature_matches(params, call, secret):
            raise IdxError(403003, "Invalid request signature")
        self._remember_nonce((api_key, user_key, nonce), now)

    def _signature_matches(self, params: Mapping[str, str], call: CallInfo, secret: str) -> bool:
        sent = params["sig"]
        signed = {key: value for key, value in params.items() if key != "sig"}
        variants = [signed]
        if any(value in ("false", "0") for value in signed.values()):
            # The node SDK signs falsy values as "" but sends "false"/"0" (gigya.md §2).
            variants.append({k: ("" if v in ("false", "0") else v) for k, v in signed.items()})
        methods = {"POST", call.http_method.upper()}
        for url in _candidate_urls(call):
            for method in methods:
                for variant in variants:
                    if signature_matches(secret, sent, method, url, variant):
                        return True
        return False

    def _remember_nonce(self, key: tuple[str, str, str], now: float) -> None:
        with self._lock:
            horizon = now - 2 * SIGNATURE_WINDOW_SECONDS
            if len(self._nonces) > 100_000:
                self._nonces = {k: when for k, when in self._nonces.items() if when >= horizon}
            seen = self._nonces.get(key)
            if seen is not None and seen >= horizon:
                raise IdxError(403004, f"Duplicate nonce: {key[2]}")
            self._nonces[key] = now


def _candidate_urls(call: CallInfo) -> Iterable[str]:
    hosts = [call.headers[name] for name in _FORWARDED_HOST_HEADERS if call.headers.get(name)]
    hosts.extend(f"idx.{dc}.{'gigya-api.cn' if dc == 'cn1' else 'gigya.com'}" for dc in DATA_CENTERS)
    seen: set[str] = set()
    for host in hosts:
        for scheme in (call.scheme, "https", "http"):
            url = normalized_url(f"{scheme}://{host}{call.path}")
            if url not in seen:
                seen.add(url)
                yield url
