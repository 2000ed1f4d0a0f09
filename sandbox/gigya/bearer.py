"""Bearer JWT checks (gigya.md §2, mode 3) without a crypto dependency.

Clients holding a userKey + RSA private key send ``Authorization: Bearer <jwt>`` with header
``{"alg":"RS256","kid":<userKey>}`` and payload ``{"iat", "jti"}``. RS256 verification is RSASSA-PKCS1-v1_5
over SHA-256: one modular exponentiation plus a fixed padding comparison, so it is done here with ``pow``
rather than by pulling in a crypto library for one test path.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import orjson

# DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2, note 1).
_SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


class JwtError(ValueError):
    """A malformed or unverifiable token."""


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def split(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, payload, signing input, signature) of a compact JWS, unverified."""
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError("not a compact JWT")
    try:
        header = orjson.loads(b64url_decode(parts[0]))
        payload = orjson.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, orjson.JSONDecodeError) as problem:
        raise JwtError(f"undecodable JWT: {problem}") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise JwtError("JWT header and payload must be objects")
    return header, payload, f"{parts[0]}.{parts[1]}".encode(), signature


def _der_read(data: bytes, pos: int) -> tuple[int, bytes, int]:
    """One DER TLV at ``pos``: (tag, value, next position)."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    return tag, data[pos : pos + length], pos + length


def rsa_public_numbers(pem: str) -> tuple[int, int]:
    """(n, e) from a ``PUBLIC KEY`` (SubjectPublicKeyInfo) or ``RSA PUBLIC KEY`` (PKCS#1) PEM."""
    lines = [line.strip() for line in pem.strip().splitlines() if line.strip() and not line.startswith("-----")]
    der = base64.b64decode("".join(lines))
    tag, body, _ = _der_read(der, 0)
    if tag != 0x30:
        raise JwtError("public key is not a DER sequence")
    first_tag, _, after = _der_read(body, 0)
    if first_tag == 0x30:  # SubjectPublicKeyInfo: AlgorithmIdentifier, then a BIT STRING holding PKCS#1
        bit_tag, bits, _ = _der_read(body, after)
        if bit_tag != 0x03:
            raise JwtError("public key has no BIT STRING")
        _, body, _ = _der_read(bits[1:], 0)
    _, modulus, after = _der_read(body, 0)
    _, exponent, _ = _der_read(body, after)
    return int.from_bytes(modulus, "big"), int.from_bytes(exponent, "big")


def rs256_valid(signing_input: bytes, signature: bytes, public_pem: str) -> bool:
    n, e = rsa_public_numbers(public_pem)
    size = (n.bit_length() + 7) // 8
    if len(signature) != size:
        return False
    encoded = pow(int.from_bytes(signature, "big"), e, n).to_bytes(size, "big")
    digest_info = _SHA256_PREFIX + hashlib.sha256(signing_input).digest()
    expected = b"\x00\x01" + b"\xff" * (size - 3 - len(digest_info)) + b"\x00" + digest_info
    return hmac.compare_digest(encoded, expected)
