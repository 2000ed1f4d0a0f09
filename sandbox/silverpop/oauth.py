"""``POST /oauth/token``: the refresh-token grant, and the access tokens it hands out.

Silverpop only knows the refresh grant (silverpop.md §2.1). Every call returns a fresh token (the documented
3 h re-use rule is simplified away) with ``expires_in`` as a bare integer and compact JSON, because the Java
client finds values by substring search and node-engage rejects a non-integer ``expires_in``. Tokens are
checked by both the XML API and the SFTP server (user ``oauth``), so the store is thread-safe.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from urllib.parse import parse_qs

from sandbox.silverpop.clock import Clock
from sandbox.silverpop.config import SilverpopConfig


class TokenStore:
    def __init__(self, config: SilverpopConfig, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._tokens: dict[str, float] = {}
        self._issued = 0
        self._lock = threading.Lock()

    def issue(self) -> tuple[str, int]:
        """A new access token and its lifetime in seconds (deterministic by seed and issue order)."""
        with self._lock:
            self._issued += 1
            raw = hashlib.sha256(f"silverpop-token/{self._config.seed}/{self._issued}".encode()).digest()
            token = base64.urlsafe_b64encode(raw[:24]).decode()
            ttl = int(self._config.token_ttl_s)
            self._tokens[token] = self._clock.now() + ttl
            return token, ttl

    def valid(self, token: str | None) -> bool:
        if not token:
            return False
        with self._lock:
            expires = self._tokens.get(token)
            if expires is None:
                return False
            if self._clock.now() >= expires:
                del self._tokens[token]
                return False
            return True

    def expire(self, token: str | None = None) -> int:
        """Revoke one token, or all of them; the number revoked."""
        with self._lock:
            if token is None:
                count = len(self._tokens)
                self._tokens.clear()
                return count
            return 1 if self._tokens.pop(token, None) is not None else 0

    def live(self) -> list[str]:
        with self._lock:
            now = self._clock.now()
            return [token for token, expires in self._tokens.items() if expires > now]


def _compact(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def _error(status: int, code: str, description: str) -> tuple[int, bytes]:
    return status, _compact({"error": code, "error_description": description})


def token_request(
    tokens: TokenStore, config: SilverpopConfig, body: bytes, authorization: str | None
) -> tuple[int, bytes]:
    """Answer a token request: ``(status, JSON body)``. Credentials in the body, or HTTP Basic."""
    form = {name: values[0] for name, values in parse_qs(body.decode("utf-8", "replace")).items()}
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    if authorization and authorization.lower().startswith("basic "):
        try:
            user, _, password = base64.b64decode(authorization[6:].strip()).decode().partition(":")
        except ValueError:
            return _error(401, "invalid_client", "Malformed Basic credentials")
        client_id, client_secret = client_id or user, client_secret or password
    if form.get("grant_type") != "refresh_token":
        return _error(400, "unsupported_grant_type", "Only the refresh_token grant is supported")
    if client_id != config.client_id or client_secret != config.client_secret:
        return _error(401, "invalid_client", "Client authentication failed")
    if form.get("refresh_token") != config.refresh_token:
        return _error(400, "invalid_grant", "Invalid refresh token")
    token, ttl = tokens.issue()
    return 200, _compact(
        {"access_token": token, "token_type": "bearer", "refresh_token": config.refresh_token, "expires_in": ttl}
    )
