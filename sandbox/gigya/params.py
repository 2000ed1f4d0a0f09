"""Reading request parameters the way every SDK sends them.

All values arrive as strings. Booleans come as ``true``/``True``/``1`` (GSSDK sends Python's ``True``), objects
as JSON text (GSSDK with spaces, node/Java compact; node sends ``null`` as the string ``"null"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from sandbox.gigya.errors import GigyaError, invalid, missing

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


class Params:
    """Read-only view of one request's parameters with typed accessors that raise Gigya errors."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.values.get(name, default)

    def require(self, name: str) -> str:
        value = self.values.get(name)
        if value is None or value == "":
            raise missing(name)
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        raw = self.values.get(name)
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise invalid(f"Invalid boolean for parameter {name}: {raw!r}")

    def integer(self, name: str, default: int | None = None) -> int | None:
        raw = self.values.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise invalid(f"Invalid integer for parameter {name}: {raw!r}") from None

    def json(self, name: str) -> Any:
        """The parsed JSON of a parameter; ``None`` when absent. ``"null"`` parses to ``None`` too."""
        raw = self.values.get(name)
        if raw is None:
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise GigyaError(400006, f"Invalid JSON in parameter {name}") from None

    def json_object(self, name: str) -> dict[str, Any] | None:
        value = self.json(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise invalid(f"Parameter {name} must be a JSON object")
        return value

    def csv(self, name: str) -> list[str] | None:
        raw = self.values.get(name)
        if raw is None:
            return None
        return [part.strip() for part in raw.split(",") if part.strip()]
