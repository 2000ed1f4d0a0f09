"""Data extensions: typed fields, primary keys, and the checks a row must pass (each row on its own)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


class RowRefused(Exception):
    pass


@dataclass
class DataExtension:
    key: str
    fields: dict[str, tuple[str, int]]  # name -> (type, max length)
    primary_keys: tuple[str, ...]
    rows: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)

    def canonical(self, given: str) -> str:
        found = next((name for name in self.fields if name.lower() == given.strip().lower()), None)
        if found is None:
            raise RowRefused(f"The field '{given}' does not exist in data extension '{self.key}'")
        return found

    def write(self, item: Any, upsert: bool) -> None:
        if not isinstance(item, dict):
            raise RowRefused("A row must be an object of field values")
        row: dict[str, str] = {}
        for given, value in item.items():
            name = self.canonical(given)
            kind, length = self.fields[name]
            text = "" if value is None else str(value)
            if kind == "EmailAddress" and text and not EMAIL.match(text):
                raise RowRefused(f"Invalid email address '{text}' for field '{name}'")
            if len(text) > length:
                raise RowRefused(f"The value for field '{name}' is longer than {length} characters")
            row[name] = text
        missing = [name for name in self.primary_keys if not row.get(name)]
        if missing:
            raise RowRefused(f"Primary key field(s) {', '.join(missing)} required")
        key = tuple(row[name].lower() for name in self.primary_keys)
        if key in self.rows and not upsert:
            raise RowRefused("Violation of PRIMARY KEY constraint: the row already exists")
        self.rows.setdefault(key, {}).update(row)

    def rowset(self) -> list[dict[str, Any]]:
        return [
            {
                "keys": {k.lower(): row.get(k, "") for k in self.primary_keys},
                "values": {k.lower(): v for k, v in row.items() if k not in self.primary_keys},
            }
            for row in self.rows.values()
        ]
