"""The csv dialect both DSV components build from IdentitySync's params, so that what we write we can read."""

from __future__ import annotations

import csv
from typing import Any

# IdentitySync flows write separators and line ends either literally or as escapes; accept both.
_ESCAPES = {"\\t": "\t", "\\n": "\n", "\\r\\n": "\r\n", "\\r": "\r", "tab": "\t", "TAB": "\t"}


def unescape(text: str) -> str:
    return _ESCAPES.get(text, text)


def writer_options(params: dict[str, Any]) -> dict[str, Any]:
    escape = params.get("escapeCharacter") or '"'
    options: dict[str, Any] = {
        "delimiter": unescape(params.get("columnSeparator") or ","),
        "quotechar": '"',
        "lineterminator": unescape(params.get("lineEnd") or "\n"),
        "quoting": csv.QUOTE_ALL if params.get("quoteFields") else csv.QUOTE_MINIMAL,
    }
    if escape == '"':
        options["doublequote"] = True
    else:
        options["doublequote"] = False
        options["escapechar"] = escape
    return options


def reader_options(params: dict[str, Any]) -> dict[str, Any]:
    escape = params.get("escapeCharacter") or '"'
    # strict: text after a closing quote is an error, not glued onto the field (which hides a missing quote)
    options: dict[str, Any] = {
        "delimiter": unescape(params.get("columnSeparator") or ","),
        "quotechar": '"',
        "strict": True,
    }
    if escape != '"':
        options["doublequote"] = False
        options["escapechar"] = escape
    return options
