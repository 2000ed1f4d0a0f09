"""Contacts and the JSON import activity's rules.

A contact is keyed by its address (case-insensitive). ``contacts_json_import`` adds or updates each item and adds
it to the given lists unless the contact unsubscribed (then it is counted in ``cannot_add_to_list_count``). An
item that cannot be imported is reported in ``activity_errors`` as ``{"message": "Line N: reason"}`` (N counts
items from 1): the project's emulator rule, since the reference does not show the message's exact form.
Custom fields are sent as ``cf:<name>``; unknown ones are refused.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
STANDARD = ("first_name", "last_name", "job_title", "company_name", "phone", "birthday_month", "birthday_day")


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ImportRefused(Exception):
    pass


@dataclass
class Book:
    custom_fields: dict[str, str] = field(default_factory=dict)  # name -> id
    lists: dict[str, str] = field(default_factory=dict)  # id -> name
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # lower email -> contact

    def add_custom_field(self, name: str) -> str:
        field_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"cf/{name}"))
        self.custom_fields[name] = field_id
        return field_id

    def upsert(self, item: Any, list_ids: list[str], now: float) -> bool:
        """One import item; returns False when the contact could not join the lists (it unsubscribed)."""
        if not isinstance(item, dict):
            raise ImportRefused("the item is not an object")
        email = str(item.get("email") or "").strip()
        if not EMAIL.match(email):
            raise ImportRefused(f"invalid email address '{email}'")
        values: dict[str, Any] = {}
        custom: dict[str, str] = {}
        for key, value in item.items():
            if key == "email":
                continue
            if key.startswith("cf:"):
                name = key[3:]
                if name not in self.custom_fields:
                    raise ImportRefused(f"unknown custom field '{name}'")
                custom[self.custom_fields[name]] = "" if value is None else str(value)
            elif key in STANDARD:
                values[key] = value
            else:
                raise ImportRefused(f"unknown property '{key}'")
        contact = self.contacts.get(email.lower())
        if contact is None:
            contact = {
                "contact_id": str(uuid.uuid4()),
                "email_address": {"address": email, "permission_to_send": "implicit"},
                "custom_fields": {},
                "list_memberships": [],
                "created_at": iso(now),
            }
            self.contacts[email.lower()] = contact
        contact.update(values)
        contact["custom_fields"].update(custom)
        contact["updated_at"], contact["_changed"] = iso(now), now
        if contact["email_address"]["permission_to_send"] == "unsubscribed":
            return False
        for list_id in list_ids:
            if list_id not in contact["list_memberships"]:
                contact["list_memberships"].append(list_id)
        return True

    def view(self, contact: dict[str, Any], include: set[str]) -> dict[str, Any]:
        shown = {
            k: v for k, v in contact.items() if not k.startswith("_") and k not in ("custom_fields", "list_memberships")
        }
        if "custom_fields" in include:
            shown["custom_fields"] = [{"custom_field_id": k, "value": v} for k, v in contact["custom_fields"].items()]
        if "list_memberships" in include:
            shown["list_memberships"] = list(contact["list_memberships"])
        return shown
