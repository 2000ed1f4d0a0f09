"""A form for one step's params, generated from its component's JSON Schema, and the step updated from it.

Scalars get inputs (enums a select, booleans a yes/no select, numbers a number field, secrets a password field);
arrays and objects a JSON text area. An empty field removes the param, so schema defaults apply again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataflow import jsonio
from dataflow.registry import Registry, UnknownComponent


@dataclass(frozen=True)
class Field:
    name: str
    widget: str  # text | number | password | select | json
    value: str
    required: bool
    description: str
    options: tuple[str, ...] = ()
    default: str = ""


def fields(registry: Registry, step: dict[str, Any]) -> list[Field]:
    try:
        schema = registry.get(str(step.get("type"))).schema
    except (UnknownComponent, ImportError, TypeError):
        return []
    params = step.get("params") if isinstance(step.get("params"), dict) else {}
    required = set(schema.get("required", []))
    found = []
    for name, spec in schema.get("properties", {}).items():
        if not isinstance(spec, dict):
            continue
        widget, options = _widget(spec)
        value = params.get(name)
        text = "" if value is None else (jsonio.dumps_pretty(value) if widget == "json" else _scalar(value))
        default = "" if "default" not in spec else jsonio.dumps(spec["default"])
        found.append(Field(name, widget, text, name in required, spec.get("description", ""), options, default))
    return found


def _widget(spec: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    kind = spec.get("type")
    if "enum" in spec:
        return "select", tuple(_scalar(option) for option in spec["enum"])
    if kind == "boolean":
        return "select", ("true", "false")
    if kind in ("integer", "number"):
        return "number", ()
    if kind == "string":
        return ("password" if spec.get("writeOnly") else "text"), ()
    return "json", ()


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else jsonio.dumps(value)


def apply(registry: Registry, step: dict[str, Any], form: dict[str, str]) -> list[str]:
    """Set ``step['params']`` from the submitted ``param.<name>`` fields; returns problems (JSON that does not
    parse, a number that is not one), leaving those params as they were."""
    problems = []
    params = dict(step.get("params") or {}) if isinstance(step.get("params"), dict) else {}
    for field in fields(registry, step):
        raw = form.get(f"param.{field.name}")
        if raw is None:
            continue
        if raw.strip() == "":
            params.pop(field.name, None)
            continue
        try:
            params[field.name] = _parse(field, raw)
        except ValueError as problem:
            problems.append(f"{field.name}: {problem}")
    step["params"] = params
    return problems


def _parse(field: Field, raw: str) -> Any:
    if field.widget == "json":
        try:
            return jsonio.loads(raw)
        except jsonio.JSONDecodeError as problem:
            raise ValueError(f"not valid JSON ({problem})") from None
    if field.widget == "number":
        number = float(raw)
        return int(number) if number.is_integer() and "." not in raw else number
    if field.widget == "select" and raw in ("true", "false") and field.options == ("true", "false"):
        return raw == "true"
    if field.widget == "select" and field.options and raw not in field.options:
        raise ValueError(f"must be one of {', '.join(field.options)}")
    if field.widget == "select":
        try:
            return jsonio.loads(raw) if not raw[:1].isalpha() else raw
        except jsonio.JSONDecodeError:
            return raw
    return raw
