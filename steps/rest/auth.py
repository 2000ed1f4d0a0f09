"""Credentials a partner call carries: fixed headers, or an access token fetched, cached and renewed on demand.

A token is shared by every thread of a step; when a call is refused for an expired token, ``renew(old)`` fetches a
new one only if nobody has done so since ``old`` was handed out, so ten threads hitting the expiry together cost
one token request. Tokens are renewed a minute before their announced lifetime ends.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable

REFRESH_MARGIN_S = 60.0


class Auth:
    """Headers for a call; ``renew`` is called after the partner said the credential expired."""

    renewable = False

    def headers(self) -> dict[str, str]:
        return {}

    def renew(self, used: dict[str, str]) -> None:
        """Nothing to renew: fixed credentials."""


class FixedHeaders(Auth):
    def __init__(self, headers: dict[str, str]) -> None:
        self._headers = headers

    def headers(self) -> dict[str, str]:
        return dict(self._headers)


def basic(user: str, password: str) -> FixedHeaders:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return FixedHeaders({"Authorization": f"Basic {token}"})


class AccessToken(Auth):
    """``fetch()`` returns ``(token, lifetime seconds or None)``; the header is ``Authorization: Bearer <token>``
    unless ``header`` builds another (Marketo also accepts it this way)."""

    renewable = True

    def __init__(
        self,
        fetch: Callable[[], tuple[str, float | None]],
        on_token: Callable[[str], None] | None = None,
        header: Callable[[str], dict[str, str]] | None = None,
    ) -> None:
        self._fetch = fetch
        self._on_token = on_token
        self._header = header or (lambda token: {"Authorization": f"Bearer {token}"})
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0
        self.issued = 0
        self.renewed_after_refusal = 0

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires:
                self._obtain()
            assert self._token is not None
            return self._token

    def _obtain(self) -> None:
        token, lifetime = self._fetch()
        self._token = token
        self._expires = time.monotonic() + max(0.0, (lifetime or 3600.0) - REFRESH_MARGIN_S)
        self.issued += 1
        if self._on_token is not None:
            self._on_token(token)

    def headers(self) -> dict[str, str]:
        return self._header(self.token())

    def renew(self, used: dict[str, str]) -> None:
        with self._lock:
            if self._token is not None and self._header(self._token) != used:
                return  # another thread already replaced the token this call used
            self.renewed_after_refusal += 1
            self._obtain()
