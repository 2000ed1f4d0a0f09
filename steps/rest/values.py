"""Record values as partners want them: opt-in flags read leniently, values as text for CSV-based bulk APIs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dataflow import jsonio
from dataflow.component import ParamProblem

_TRUE = frozenset({"true", "yes", "y", "1", "on", "subscribed", "active", "opted in", "optin"})
_FALSE = frozenset({"false", "no", "n", "0", "off", "unsubscribed", "opted out", "optout"})


def opt_in(value: Any) -> bool | None:
    """A newsletter flag from Gigya (``true``, ``"true"``, ``"Yes"``, 1...); None when absent or unreadable."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return None


def as_text(value: Any) -> str:
    """A cell: null is empty, booleans are ``true``/``false``, objects and arrays are JSON (as DSV files do)."""
    if type(value) is str:  # most cells: skip the checks below
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return jsonio.dumps(value)
    return str(value)


def names(value: Any) -> list[str]:
    """A comma-separated list param (``primaryKeys: "GUID,EMAIL"``) or a JSON array, trimmed, empties dropped."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def public_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record without the engine's own ``_`` fields (``_errorDetails``, ``_response``) and without empty
    objects: renaming every field out of ``profile`` leaves ``profile: {}`` behind, which no partner has a column
    for (the public Marketing Cloud template sends its records that way)."""
    return {key: value for key, value in record.items() if not key.startswith("_") and value != {}}


def public_text(record: Mapping[str, Any]) -> dict[str, str]:
    """``public_fields`` with every value ``as_text``, in one pass: bulk writers call it for every record, and the
    two steps apart cost twice as much."""
    return {
        key: value if type(value) is str else as_text(value)
        for key, value in record.items()
        if not key.startswith("_") and (type(value) is str or value != {})
    }


def check_url(params: Mapping[str, Any], name: str) -> Iterable[ParamProblem]:
    """A URL param must look like http(s)://host; a ``${...}`` placeholder is checked when it is filled."""
    value = params.get(name)
    if not isinstance(value, str) or "${" in value:
        return
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        yield ParamProblem((name,), f"{name} must look like https://host[/path], not '{value}'")
