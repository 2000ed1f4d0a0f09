"""Access tokens a stand-in hands out and checks: issued with a lifetime on the sandbox clock, revocable by faults."""

from __future__ import annotations

import hashlib
import threading

from sandbox.clock import Clock

VALID, EXPIRED, UNKNOWN = "valid", "expired", "unknown"


class TokenStore:
    def __init__(self, clock: Clock, ttl_s: int, seed: int = 1, label: str = "token") -> None:
        self.clock = clock
        self.ttl_s = ttl_s
        self._prefix = f"{label}/{seed}"
        self._tokens: dict[str, float] = {}
        self._issued = 0
        self._lock = threading.Lock()

    @property
    def issued(self) -> int:
        return self._issued

    def issue(self) -> str:
        with self._lock:
            self._issued += 1
            token = hashlib.sha256(f"{self._prefix}/{self._issued}".encode()).hexdigest()[:40]
            self._tokens[token] = self.clock.now() + self.ttl_s
            return token

    def check(self, token: str | None) -> str:
        """``VALID``, ``EXPIRED`` (issued here, lifetime over or revoked) or ``UNKNOWN``."""
        if not token:
            return UNKNOWN
        with self._lock:
            expires = self._tokens.get(token)
        if expires is None:
            return UNKNOWN
        return VALID if self.clock.now() < expires else EXPIRED

    def expire(self, token: str | None = None) -> None:
        """End one token's life now (or every token's): it is then ``EXPIRED``, not unknown."""
        with self._lock:
            now = self.clock.now()
            for key in [token] if token else list(self._tokens):
                if key in self._tokens:
                    self._tokens[key] = now


def bearer(header: str | None) -> str | None:
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None
