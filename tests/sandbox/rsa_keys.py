"""Throwaway RSA keys and RS256 JWTs for the bearer-auth tests, in pure Python (no crypto dependency).

Test-only: small keys from ``random``, good enough to exercise the verifier, never for real use.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random

_SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def _probable_prime(bits: int, rng: random.Random) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | 1
        if all(candidate % p for p in (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)) and _miller_rabin(candidate, rng):
            return candidate


def _miller_rabin(n: int, rng: random.Random, rounds: int = 20) -> bool:
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def generate(bits: int = 1024, seed: int = 5) -> tuple[int, int, int]:
    """(n, e, d)."""
    rng = random.Random(seed)
    e = 65537
    while True:
        p, q = _probable_prime(bits // 2, rng), _probable_prime(bits // 2, rng)
        phi = (p - 1) * (q - 1)
        if p != q and phi % e:
            return p * q, e, pow(e, -1, phi)


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + body


def _der_int(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return _der(0x02, raw)


def public_pem(n: int, e: int) -> str:
    rsa_key = _der(0x30, _der_int(n) + _der_int(e))
    algorithm = _der(0x30, bytes.fromhex("06092a864886f70d010101") + bytes.fromhex("0500"))
    spki = _der(0x30, algorithm + _der(0x03, b"\x00" + rsa_key))
    body = base64.b64encode(spki).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(n: int, d: int, kid: str, iat: int, jti: str = "1") -> str:
    header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": kid}).encode())
    payload = _b64url(json.dumps({"iat": iat, "jti": jti}).encode())
    signing_input = f"{header}.{payload}".encode()
    size = (n.bit_length() + 7) // 8
    digest_info = _SHA256_PREFIX + hashlib.sha256(signing_input).digest()
    padded = b"\x00\x01" + b"\xff" * (size - 3 - len(digest_info)) + b"\x00" + digest_info
    signature = pow(int.from_bytes(padded, "big"), d, n).to_bytes(size, "big")
    return f"{header}.{payload}.{_b64url(signature)}"
