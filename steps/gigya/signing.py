"""Gigya's request encoding and HMAC-SHA1 signature (gigya.md §2), kept apart so it can be tested byte for byte.

The signature covers every param as it is sent, so value encoding lives here too: one function decides
how a Python value becomes a form value, and the same string is both signed and posted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from dataflow import jsonio

SDK_NAME = "identitysync-dataflow_0.1"
_nonce_counter = itertools.count()
_nonce_lock = threading.Lock()


def encode_value(value: Any) -> str | None:
    """How a param value is sent: objects and arrays as compact JSON, booleans ``true``/``false``, None omitted."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple)):
        return jsonio.dumps(value)
    return str(value)


def encode_params(params: Mapping[str, Any]) -> dict[str, str]:
    """Every param encoded for the wire; params whose value is None are dropped (not sent, not signed)."""
    encoded = {}
    for name, value in params.items():
        text = encode_value(value)
        if text is not None:
            encoded[name] = text
    return encoded


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


def new_nonce() -> str:
    """Unique per process: milliseconds plus a counter, so concurrent requests never share a nonce (403004)."""
    with _nonce_lock:
        count = next(_nonce_counter)
    return f"{int(time.time() * 1000)}{count % 1_000_000:06d}"


def sign(params: dict[str, str], url: str, secret: str, now: float | None = None) -> dict[str, str]:
    """Adds ``timestamp`` (unix seconds), ``nonce`` and ``sig`` to already encoded ``params`` (in place)."""
    params["timestamp"] = str(int(now if now is not None else time.time()))
    params["nonce"] = new_nonce()
    params["sig"] = signature(secret, "POST", url, params)
    return params


def valid_secret(secret: str) -> bool:
    """A Gigya secret is Base64; a value that does not decode cannot sign anything."""
    try:
        base64.b64decode(secret, validate=True)
    except ValueError:
        return False
    return True
