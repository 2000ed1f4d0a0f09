"""Console sign-in: a site's apiKey, userKey and secret, checked against the store once; then a random session
token in an HttpOnly, SameSite=Strict cookie (so another site's page cannot post with it). Sessions live in the
server's memory and end with it, or after eight idle hours."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

COOKIE = "dataflow_session"
IDLE_SECONDS = 8 * 3600


@dataclass
class Session:
    site: str
    user_key: str
    used: float


class Sessions:
    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, site: str, user_key: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = Session(site, user_key, time.monotonic())
        return token

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            session = self._sessions.get(token)
            now = time.monotonic()
            if session is None or now - session.used > IDLE_SECONDS:
                self._sessions.pop(token, None)
                return None
            session.used = now
            return session

    def close(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)
