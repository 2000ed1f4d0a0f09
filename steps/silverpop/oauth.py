"""OAuth for Silverpop: the refresh-token grant, one cached access token per org, renewed before it expires.

Acoustic access tokens live 4 h and a new one is issued only after 3 h (silverpop.md §2.1), so the token is
renewed once three quarters of its lifetime have passed, never on every call. A token can still die early
(revoked, or the server's clock disagrees): a call answered 401 hands the token back with :meth:`invalidate`
and the next :meth:`token` fetches a new one. Threads share the provider; one refresh runs at a time and the
others wait for its result instead of stampeding the token endpoint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from dataflow import jsonio
from dataflow.retry import RetryPolicy, retry_after
from steps.silverpop.errors import SilverpopAuthError, SilverpopUnavailable
from steps.silverpop.settings import Settings

REFRESH_FRACTION = 0.75  # renew at 3 h of a 4 h token, as Acoustic recommends
_RETRY_HTTP = frozenset({408, 429, 500, 502, 503, 504})
_TRANSPORT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


@dataclass
class TokenStats:
    issued: int = 0
    proactive: int = 0  # renewed because the token was old, before the server refused it
    after_rejection: int = 0  # renewed because the server refused the token (401 or a session fault)


class TokenProvider:
    def __init__(
        self,
        settings: Settings,
        session: requests.Session,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        timeout: tuple[float, float] = (10.0, 60.0),
    ) -> None:
        self.settings = settings
        self.session = session
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self.timeout = timeout
        self.stats = TokenStats()
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self._rejected = False

    def token(self, cancel: threading.Event | None = None) -> str:
        """A valid access token: the cached one, or a new one when it is old or was refused."""
        with self._lock:
            if self._token is not None and self.clock() < self._renew_at:
                return self._token
            if self._token is not None:
                self.stats.proactive += 1
            elif self._rejected:
                self.stats.after_rejection += 1
            self._rejected = False
            self._token = None
            token, lifetime = self._request(cancel)
            self._token = token
            self._renew_at = self.clock() + max(1.0, lifetime * REFRESH_FRACTION)
            self.stats.issued += 1
            return token

    def invalidate(self, token: str) -> None:
        """The server refused ``token``; forget it unless another thread already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = None
                self._rejected = True

    # the token endpoint ----------------------------------------------------------------------------
    def _request(self, cancel: threading.Event | None) -> tuple[str, float]:
        settings = self.settings
        form = {
            "grant_type": "refresh_token",
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
            "refresh_token": settings.refresh_token,
        }
        headers = {"Accept": "application/json"}
        for attempt in range(1, self.retry.attempts + 1):
            floor = 0.0
            try:
                reply = self.session.post(settings.token_url, data=form, headers=headers, timeout=self.timeout)
            except _TRANSPORT as problem:
                reason = type(problem).__name__
            except requests.RequestException as problem:
                raise SilverpopUnavailable(f"cannot reach {settings.token_url}: {type(problem).__name__}") from None
            else:
                if reply.status_code == 200:
                    return self._parse(reply.content)
                if reply.status_code not in _RETRY_HTTP:
                    raise self._refused(reply)
                reason, floor = f"HTTP {reply.status_code}", retry_after(reply.headers.get("Retry-After"))
            if attempt == self.retry.attempts:
                raise SilverpopUnavailable(
                    f"no access token from {settings.token_url} after {attempt} attempts ({reason})"
                )
            self.retry.wait(attempt, cancel, floor)
        raise AssertionError("unreachable")

    def _parse(self, content: bytes) -> tuple[str, float]:
        try:
            data = jsonio.loads(content)
        except jsonio.JSONDecodeError:
            data = None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise SilverpopUnavailable(f"{self.settings.token_url} answered 200 without an access_token")
        lifetime = data.get("expires_in")
        try:
            seconds = float(lifetime) if lifetime is not None else 14_400.0
        except (TypeError, ValueError):
            seconds = 14_400.0
        return token, seconds

    def _refused(self, reply: requests.Response) -> SilverpopAuthError:
        try:
            data = jsonio.loads(reply.content)
        except jsonio.JSONDecodeError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        code = data.get("error") or "refused"
        description = data.get("error_description") or ""
        detail = f"{code}: {description}" if description else str(code)
        return SilverpopAuthError(
            f"Silverpop refused the OAuth refresh for client {self.settings.client_id} at "
            f"{self.settings.token_url} (HTTP {reply.status_code}, {detail}); check clientId, clientSecret "
            "and refreshToken"
        )
