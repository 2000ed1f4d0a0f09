"""Gigya's HMAC-SHA1 request signature (gigya.md §2), shared by the Gigya client (signing) and ``dataflow serve``
(checking), so both sides of the wire compute the base string the same way, byte for byte.

``sig = base64(HMAC-SHA1(key=base64decode(secret), "POST&" + enc(url) + "&" + enc(sorted k=enc(v) joined by &)))``
with ``enc`` = RFC 3986 percent-encoding and ``url`` = ``scheme://host[:port]/path`` lower-cased, default ports
left out.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote, urlsplit


def percent_encode(text: str) -> str:
    """RFC 3986: only ``A-Za-z0-9-._~`` stay as they are (space is ``%20``, ``*`` is ``%2A``)."""
    return quote(text, safe="-._~")


def normalized_url(url: str) -> str:
    """``scheme://host[:port]/path`` with scheme and host lower-cased and a default port left out."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{parts.path}"


def base_string(http_method: str, url: str, params: Mapping[str, str]) -> str:
    query = "&".join(f"{name}={percent_encode(params[name])}" for name in sorted(params) if name != "sig")
    return f"{http_method.upper()}&{percent_encode(normalized_url(url))}&{percent_encode(query)}"


def signature(secret: str, http_method: str, url: str, params: Mapping[str, str]) -> str:
    """base64(HMAC-SHA1(key=base64decode(secret), base string)): what Gigya recomputes to check ``sig``."""
    key = base64.b64decode(secret)
    digest = hmac.new(key, base_string(http_method, url, params).encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(secret: str, sent: str, http_method: str, url: str, params: Mapping[str, str]) -> bool:
    """Whether ``sent`` is the signature of ``params`` for ``url``, compared in constant time."""
    try:
        expected = signature(secret, http_method, url, params)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(expected, sent)


def valid_secret(secret: str) -> bool:
    """A Gigya secret is Base64; a value that does not decode cannot sign anything."""
    try:
        base64.b64decode(secret, validate=True)
    except ValueError:
        return False
    return True
