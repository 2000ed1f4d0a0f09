"""Reading one API call's parameters: form body and query string, ``data`` as a JSON string, lenient booleans.

Gigya's SDKs differ in how they send values (gigya.md §2): GSSDK sends ``True``/``False``, the node SDK ``true``
and ``null`` as text, some clients GET with a query string. Everything arrives as text and is read here.
"""

from __future__ import annotations

from typing import Any

from dataflow import jsonio
from dataflow.server.envelope import invalid, missing

TRUE = frozenset({"true", "1", "yes"})
FALSE = frozenset({"false", "0", "no", "", "null"})


def required(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if value is None or value == "" or value == "null":
        raise missing(name)
    return value


def boolean(params: dict[str, str], name: str, default: bool = False) -> bool:
    value = params.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise invalid(f"{name} must be true or false, not {value!r}")


def json_object(params: dict[str, str], name: str = "data") -> dict[str, Any]:
    """The JSON object in ``name``; a clear 400006 naming the line and column when it does not parse."""
    text = required(params, name)
    try:
        value = jsonio.loads(text)
    except jsonio.JSONDecodeError as problem:
        raise invalid(f"{name} is not valid JSON: {_where(text, problem)}") from None
    if not isinstance(value, dict):
        raise invalid(f"{name} must be a JSON object")
    return value


def _where(text: str, problem: jsonio.JSONDecodeError) -> str:
    position = getattr(problem, "pos", None)
    message = getattr(problem, "msg", str(problem))
    if not isinstance(position, int):
        return message
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"{message} at line {line}, column {column}"
