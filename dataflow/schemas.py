"""JSON Schema validators, compiled once per process (never run per record).

Turns jsonschema's findings into plain sentences that name the param, and applies schema defaults.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from dataflow import jsonio
from dataflow.javaregex import JavaRegexError, compile_regex
from dataflow.resources import schemas_dir

_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


@dataclass(frozen=True)
class SchemaProblem:
    path: tuple[str | int, ...]  # relative to the validated instance
    message: str
    at_key: bool = False  # point at the property's key (unknown properties) rather than its value


@cache
def dataflow_validator() -> Draft202012Validator:
    schema = jsonio.loads((schemas_dir() / "dataflow.schema.json").read_bytes())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


_validators: dict[int, Draft202012Validator] = {}


def _is_java_regex(instance: object) -> bool:
    if isinstance(instance, str):
        compile_regex(instance)
    return True


@cache
def format_checker() -> FormatChecker:
    """jsonschema's formats, except that ``regex`` means a Java regex (IdentitySync's engine is Java: a flow's
    ``(?<name>...)`` or ``\\p{L}`` is valid there, and the engine translates it)."""
    checker = FormatChecker()
    checker.checks("regex", raises=JavaRegexError)(_is_java_regex)
    return checker


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    """A compiled validator per schema object (schemas are loaded once and cached by the registry)."""
    key = id(schema)
    validator = _validators.get(key)
    if validator is None:
        Draft202012Validator.check_schema(schema)
        validator = _validators[key] = Draft202012Validator(schema, format_checker=format_checker())
    return validator


def problems(validator: Draft202012Validator, instance: Any, noun: str = "property") -> Iterator[SchemaProblem]:
    """Every violation, in document order, as a sentence naming the offending ``noun`` (param/property)."""
    errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        yield from _explain(error, noun)


def _explain(error: ValidationError, noun: str) -> Iterator[SchemaProblem]:
    path = tuple(error.absolute_path)
    where = f"{noun} '{_dotted(path)}': " if path else ""
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        for name in missing:
            yield SchemaProblem(path, f"missing required {noun} '{_dotted((*path, name))}'")
        return
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list(error.schema.get("properties", {}))
        for name in error.instance:
            if name in known:
                continue
            hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            suffix = f"; did you mean '{hint[0]}'?" if hint else f"; known: {', '.join(known) or 'none'}"
            yield SchemaProblem((*path, name), f"unknown {noun} '{_dotted((*path, name))}'{suffix}", at_key=True)
        return
    # A secret param written wrong (a password as a number, say) is still a secret: say what is wrong, not what it is.
    secret = isinstance(error.schema, dict) and bool(error.schema.get("writeOnly"))
    shown = "(not shown: a secret)" if secret else _short(error.instance)
    if error.validator == "type":
        expected = error.validator_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else expected
        got = _JSON_TYPES.get(type(error.instance), type(error.instance).__name__)
        yield SchemaProblem(path, f"{where}expected {expected_text}, got {got} {shown}")
        return
    if error.validator == "enum":
        options = ", ".join(_short(option) for option in error.validator_value)
        yield SchemaProblem(path, f"{where}{shown} is not one of {options}")
        return
    if secret:
        yield SchemaProblem(path, f"{where}the value does not meet '{error.validator}' {shown}")
        return
    if error.validator == "format" and isinstance(error.cause, JavaRegexError):
        cause = error.cause
        yield SchemaProblem(path, f"{where}{shown} is not a valid regex: {cause.reason} at offset {cause.offset}")
        return
    yield SchemaProblem(path, f"{where}{error.message}")


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _short(value: Any) -> str:
    text = jsonio.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def with_defaults(schema: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the schema's top-level ``default`` values filled in where a param is absent."""
    merged = dict(params)
    for name, spec in schema.get("properties", {}).items():
        if name not in merged and isinstance(spec, dict) and "default" in spec:
            merged[name] = spec["default"]
    return merged


def secret_params(schema: dict[str, Any]) -> frozenset[str]:
    """Params the schema marks ``writeOnly`` (passwords, client secrets): masked everywhere they could show."""
    return frozenset(
        name for name, spec in schema.get("properties", {}).items() if isinstance(spec, dict) and spec.get("writeOnly")
    )
