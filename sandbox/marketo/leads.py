"""The lead database: field definitions (standard and custom), and the checks Marketo makes on a lead write.

Field names are matched without regard to case (``guid`` finds the custom field ``gUID``), the project's emulator
rule: the public templates read ``guid`` and write ``gUID``. A refused lead carries Marketo's code and message
(1003 for a bad or missing value, 1004 for a lead to update that does not exist, 1006 for an unknown field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
STANDARD_FIELDS = (
    ("id", "integer", True),
    ("email", "email", False),
    ("firstName", "string", False),
    ("lastName", "string", False),
    ("address", "text", False),
    ("city", "string", False),
    ("state", "string", False),
    ("country", "string", False),
    ("postalCode", "string", False),
    ("phone", "phone", False),
    ("unsubscribed", "boolean", False),
    ("createdAt", "datetime", True),
    ("updatedAt", "datetime", True),
)
CUSTOM_FIELDS = (("gUID", "string", False), ("fblikes", "text", False), ("gender", "string", False))
_BOOLEAN = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


class LeadRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).timestamp()


@dataclass
class LeadDatabase:
    fields: dict[str, tuple[str, str, bool]] = field(default_factory=dict)  # lower name -> (name, type, readOnly)
    leads: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1

    def __post_init__(self) -> None:
        for name, kind, read_only in STANDARD_FIELDS + CUSTOM_FIELDS:
            self.fields[name.lower()] = (name, kind, read_only)

    def name(self, given: str) -> str:
        found = self.fields.get(given.strip().lower())
        if found is None:
            raise LeadRefused("1006", f"Field '{given}' not found")
        return found[0]

    def describe(self) -> list[dict[str, Any]]:
        return [
            {"id": index, "displayName": name, "dataType": kind, "rest": {"name": name, "readOnly": read_only}}
            for index, (name, kind, read_only) in enumerate(self.fields.values(), start=1)
        ]

    def value(self, name: str, raw: Any) -> Any:
        _, kind, _ = self.fields[name.lower()]
        if raw is None or raw == "":
            return None
        if kind == "boolean":
            flag = raw if isinstance(raw, bool) else _BOOLEAN.get(str(raw).strip().lower())
            if flag is None:
                raise LeadRefused("1003", f"Invalid value '{raw}' for field '{name}'")
            return flag
        if kind == "email" and not EMAIL.match(str(raw).strip()):
            raise LeadRefused("1003", f"Invalid email address '{raw}'")
        if kind == "integer":
            try:
                return int(raw)
            except (TypeError, ValueError):
                raise LeadRefused("1003", f"Invalid value '{raw}' for field '{name}'") from None
        return raw if isinstance(raw, str) else str(raw)

    def find(self, lookup: str, value: Any) -> dict[str, Any] | None:
        if value in (None, ""):
            return None
        wanted = str(value).strip().lower()
        for lead in self.leads.values():
            if str(lead.get(lookup, "")).strip().lower() == wanted:
                return lead
        return None

    def upsert(self, row: dict[str, Any], lookup: str, now: float, action: str = "createOrUpdate") -> tuple[str, int]:
        """``("created"|"updated", id)``; ``LeadRefused`` leaves the database as it was."""
        lookup = self.name(lookup)
        values: dict[str, Any] = {}
        for given, raw in row.items():
            name = self.name(given)
            if self.fields[name.lower()][2] and name != "id":
                continue
            values[name] = self.value(name, raw)
        if values.get(lookup) in (None, ""):
            raise LeadRefused("1003", f"Value for lookup field '{lookup}' not specified")
        lead = self.find(lookup, values[lookup])
        if lead is None and action == "updateOnly":
            raise LeadRefused("1004", "Lead not found")
        if lead is not None and action == "createOnly":
            raise LeadRefused("1005", "Lead already exists")
        if lead is None:
            lead = {"id": self.next_id, "createdAt": now}
            self.leads[self.next_id] = lead
            self.next_id += 1
            outcome = "created"
        else:
            outcome = "updated"
        values.pop("id", None)
        lead.update(values)
        lead["updatedAt"] = now
        return outcome, lead["id"]

    def view(self, lead: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
        names = fields or ["id", "email", "firstName", "lastName", "updatedAt", "createdAt"]
        shown: dict[str, Any] = {}
        for given in names:
            try:
                name = self.name(given)
            except LeadRefused:
                continue
            value = lead.get(name)
            shown[given] = iso(value) if name in ("createdAt", "updatedAt") and value is not None else value
        return shown
