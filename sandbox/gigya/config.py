"""The sandbox site's settings: credentials (deterministic by seed) and the protocol knobs.

Every knob that decides between "strict like production" and "lenient for a local run" lives here, so a test
can flip one without touching the server.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field


def _digest(seed: int, label: str, size: int) -> bytes:
    return hashlib.sha256(f"dataflow-sandbox/{seed}/{label}".encode()).digest()[:size]


@dataclass
class SandboxConfig:
    """Site credentials and behaviour. Build one with :meth:`for_seed` for stable, seed-derived credentials."""

    api_key: str
    user_key: str
    secret: str
    """The user key's secret (Base64); also accepted without a userKey unless ``partner_secret`` is set."""
    partner_secret: str | None = None
    """The site's partner secret (apiKey + secret, no userKey); ``None`` means the same as ``secret``."""
    data_center: str = "us1"
    users: dict[str, str] = field(default_factory=dict)
    """Extra userKey -> secret pairs (e.g. a second application key)."""
    user_public_keys: dict[str, str] = field(default_factory=dict)
    """userKey -> RSA public key (PEM) that bearer JWTs are verified with; a userKey without one is refused."""
    signature_window_s: float = 120.0
    """How far a signed request's ``timestamp`` may be from the sandbox clock before 403002."""
    check_nonce: bool = False
    """Refuse a (userKey, nonce) pair seen within the signature window with 403004."""
    reject_plain_secret: bool = False
    """Answer 403006 to a ``secret`` sent over plain http, as production does over http."""
    check_data_center: bool = True
    """Answer 301001 when the request names a ``*.gigya.com`` host of another data center."""
    cursor_ttl_s: float = 300.0
    default_limit: int = 300
    max_limit: int = 10_000
    max_cursors: int = 512
    """Open cursor pages kept; the oldest are forgotten first."""
    audit_capacity: int = 100_000

    @classmethod
    def for_seed(cls, seed: int = 1, **overrides: object) -> SandboxConfig:
        api_key = "3_" + base64.urlsafe_b64encode(_digest(seed, "apiKey", 48)).decode().rstrip("=")
        user_key = "AK" + base64.b32encode(_digest(seed, "userKey", 10)).decode().rstrip("=")
        secret = base64.b64encode(_digest(seed, "secret", 24)).decode()
        return cls(api_key=api_key, user_key=user_key, secret=secret, **overrides)  # type: ignore[arg-type]

    def secret_of(self, user_key: str | None) -> str | None:
        """The secret a request must carry or sign with: the user's, or the partner secret without userKey."""
        if user_key is None:
            return self.partner_secret or self.secret
        if user_key == self.user_key:
            return self.secret
        return self.users.get(user_key)

    def knows_user(self, user_key: str) -> bool:
        return user_key == self.user_key or user_key in self.users or user_key in self.user_public_keys

    def credentials(self) -> dict[str, str]:
        return {
            "apiKey": self.api_key,
            "userKey": self.user_key,
            "secret": self.secret,
            "dataCenter": self.data_center,
        }
