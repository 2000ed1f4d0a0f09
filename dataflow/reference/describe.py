"""One description of a component, read from the registry and its params schema: what ``dataflow steps`` prints
and what the component reference (docs/components.md) is written from.

Nested params are flattened to paths (``fields[].sourceField``), so a reader sees every key a flow may hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dataflow import jsonio
from dataflow.registry import ComponentInfo


def describe(info: ComponentInfo) -> dict[str, Any]:
    schema = info.schema
    return {
        "type": info.type,
        "description": info.description,
        "consumes": info.cls.consumes,
        "produces": info.cls.produces,
        "params": {name: entry for name, entry in _params(schema, "")},
        "examples": list(schema.get("examples") or []),
    }


def _params(schema: dict[str, Any], prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    required = set(schema.get("required", []))
    for name, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, dict):
            continue
        path = f"{prefix}{name}"
        entry: dict[str, Any] = {
            "type": type_text(spec),
            "required": name in required,
            "description": spec.get("description", ""),
        }
        for key in ("default", "enum"):
            if key in spec:
                entry[key] = spec[key]
        if spec.get("writeOnly"):
            entry["secret"] = True
        yield path, entry
        if isinstance(spec.get("properties"), dict):
            yield from _params(spec, f"{path}.")
        items = spec.get("items")
        if isinstance(items, dict) and isinstance(items.get("properties"), dict):
            yield from _params(items, f"{path}[].")


def type_text(spec: dict[str, Any]) -> str:
    if "enum" in spec:
        return " | ".join(jsonio.dumps(v) for v in spec["enum"])
    kind = spec.get("type", "any")
    text = " | ".join(kind) if isinstance(kind, list) else str(kind)
    items = spec.get("items")
    if text == "array" and isinstance(items, dict) and "type" in items:
        text = f"array of {type_text(items)}"
    return text


def missing_descriptions(info: ComponentInfo) -> list[str]:
    """What a reader of the reference would miss: the component's own description, each param's."""
    gaps = []
    if not info.schema.get("description"):
        gaps.append(f"{info.type}: the params schema has no description of the component")
    for name, entry in describe(info)["params"].items():
        if not entry["description"]:
            gaps.append(f"{info.type}: param '{name}' has no description")
    return gaps
