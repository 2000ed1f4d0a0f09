"""Bearer authentication: an RS256 JWT signed with the application key's RSA private key (gigya.md §2, mode 3).

Header ``{"alg":"RS256","typ":"JWT","kid":<userKey>}``, payload ``{"iat":<unix seconds>,"jti":<nonce>}``, sent as
``Authorization: Bearer <jwt>`` with a fresh token per request. The project has no crypto dependency, and
RSASSA-PKCS1-v1_5 signing needs only a DER reader and modular exponentiation, so both live here (~100 lines)
rather than pulling in ``cryptography`` for one operation.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from dataclasses import dataclass

from dataflow import jsonio
from dataflow.errors import FatalError

# DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2, note 1).
_SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


@dataclass(frozen=True)
class RsaKey:
    n: int
    e: int
    d: int
    p: int
    q: int
    dp: int
    dq: int
    qinv: int

    @property
    def size(self) -> int:
        return (self.n.bit_length() + 7) // 8

    def sign_sha256(self, message: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256, computed with the CRT (four times faster than ``pow(m, d, n)``)."""
        digest_info = _SHA256_PREFIX + hashlib.sha256(message).digest()
        padding = self.size - len(digest_info) - 3
        if padding < 8:
            raise FatalError("the RSA private key is too short for RS256")
        encoded = b"\x00\x01" + b"\xff" * padding + b"\x00" + digest_info
        m = int.from_bytes(encoded, "big")
        s1 = pow(m, self.dp, self.p)
        s2 = pow(m, self.dq, self.q)
        h = (self.qinv * (s1 - s2)) % self.p
        return (s2 + h * self.q).to_bytes(self.size, "big")


def _read(der: bytes, at: int) -> tuple[int, bytes, int]:
    """One DER element at ``at``: (tag, contents, offset after it)."""
    tag = der[at]
    length = der[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(der[at : at + count], "big")
        at += count
    return tag, der[at : at + length], at + length


def _sequence(der: bytes) -> list[tuple[int, bytes]]:
    tag, body, _ = _read(der, 0)
    if tag != 0x30:
        raise ValueError("not a DER sequence")
    items, at = [], 0
    while at < len(body):
        item_tag, contents, at = _read(body, at)
        items.append((item_tag, contents))
    return items


def load_private_key(pem: str) -> RsaKey:
    """A PKCS#8 (``BEGIN PRIVATE KEY``) or PKCS#1 (``BEGIN RSA PRIVATE KEY``) key, armoured or bare Base64."""
    lines = [line.strip() for line in pem.strip().replace("\\n", "\n").splitlines()]
    body = "".join(line for line in lines if line and not line.startswith("-----"))
    try:
        der = base64.b64decode(body, validate=True)
        items = _sequence(der)
        if len(items) == 3 and items[1][0] == 0x30 and items[2][0] == 0x04:  # PKCS#8 wraps PKCS#1
            items = _sequence(items[2][1])
        numbers = [int.from_bytes(contents, "big") for tag, contents in items if tag == 0x02]
        _, n, e, d, p, q, dp, dq, qinv = numbers[:9]
    except (ValueError, IndexError) as problem:
        raise FatalError("the Gigya private key is not an RSA key in PEM (PKCS#8 or PKCS#1) form") from problem
    return RsaKey(n, e, d, p, q, dp, dq, qinv)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def bearer_token(user_key: str, key: RsaKey, now: float | None = None) -> str:
    header = _b64url(jsonio.dumpb({"alg": "RS256", "typ": "JWT", "kid": user_key}))
    issued = int(now if now is not None else time.time())
    payload = _b64url(jsonio.dumpb({"iat": issued, "jti": uuid.uuid4().hex}))
    signing_input = f"{header}.{payload}".encode("ascii")
    return f"{header}.{payload}.{_b64url(key.sign_sha256(signing_input))}"
