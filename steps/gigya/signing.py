"""Gigya's request encoding and signing (gigya.md §2); the signature itself is ``dataflow.gigya_signature``, shared
with the server that checks it.

The signature covers every param as it is sent, so value encoding lives here too: one function decides
how a Python value becomes a form value, and the same string is both signed and posted.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping
from typing import Any

from dataflow import jsonio
from dataflow.gigya_signature import base_string, normalized_url, percent_encode, signature, valid_secret

__all__ = [
    "base_string",
    "encode_params",
    "encode_value",
    "new_nonce",
    "normalized_url",
    "percent_encode",
    "sign",
    "signature",
    "valid_secret",
]

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
