"""``{{name}}`` template variables: client-side substitution before a flow is validated.

IdentitySync has no variables block; SAP's toolkit replaces ``{{name}}`` in a flow before it uploads it.
We do the same from ``--param k=v`` and ``--config FILE``. A string that is exactly ``{{name}}`` takes the
variable's value with its type (a number stays a number); elsewhere the value is interpolated as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dataflow import jsonio

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")


@dataclass(frozen=True)
class MissingVariable:
    path: tuple[str | int, ...]
    name: str
    offset: int


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return jsonio.dumps(value)
    return str(value)


def fill(value: Any, variables: Mapping[str, Any]) -> tuple[Any, list[MissingVariable]]:
    """Replace every ``{{name}}`` in the strings of ``value``; report the names that have no value."""
    missing: list[MissingVariable] = []

    def walk(node: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(node, str):
            return substitute(node, path)
        if isinstance(node, dict):
            return {key: walk(child, (*path, key)) for key, child in node.items()}
        if isinstance(node, list):
            return [walk(child, (*path, index)) for index, child in enumerate(node)]
        return node

    def substitute(text: str, path: tuple[str | int, ...]) -> Any:
        if "{{" not in text:
            return text
        whole = VARIABLE.fullmatch(text)
        if whole and whole.group(1) in variables:
            return variables[whole.group(1)]

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in variables:
                missing.append(MissingVariable(path, name, match.start()))
                return match.group(0)
            return _as_text(variables[name])

        return VARIABLE.sub(replace, text)

    return walk(value, ()), missing


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``["a=1", "b=x=y"]`` → ``{"a": "1", "b": "x=y"}``; raises ValueError on a pair without ``=``."""
    result: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--param expects NAME=VALUE, got {pair!r}")
        result[name.strip()] = value
    return result
