"""One list's subscribers and the rules Campaign Monitor applies when they are added, imported or unsubscribed.

Addresses are matched without regard to case. An import (or add) of an unsubscribed address updates its fields
but leaves it unsubscribed unless ``Resubscribe`` is true. Custom fields the list does not define are ignored.
Refusals carry Campaign Monitor's codes: 1 (invalid email address), 203 (not in the list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
STATES = {
    "active": "Active",
    "unsubscribed": "Unsubscribed",
    "bounced": "Bounced",
    "deleted": "Deleted",
    "unconfirmed": "Unconfirmed",
}


class Refused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class SubscriberList:
    id: str
    title: str
    custom_fields: tuple[str, ...]
    subscribers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def details(self) -> dict[str, Any]:
        return {"ListID": self.id, "Title": self.title, "UnsubscribeSetting": "OnlyThisList", "ConfirmedOptIn": False}

    def field_definitions(self) -> list[dict[str, Any]]:
        return [
            {
                "FieldName": name,
                "Key": f"[{name}]",
                "DataType": "Text",
                "FieldOptions": [],
                "VisibleInPreferenceCenter": True,
            }
            for name in self.custom_fields
        ]

    def get(self, email: str) -> dict[str, Any]:
        found = self.subscribers.get(email.strip().lower())
        if found is None:
            raise Refused(203, "Subscriber not in list or has already been removed.")
        return found

    def upsert(self, given: Any, resubscribe: bool, now: float) -> bool:
        """Add or update one subscriber; True when it was new."""
        if not isinstance(given, dict):
            raise Refused(1, "Invalid Email Address")
        email = str(given.get("EmailAddress") or "").strip()
        if not EMAIL.match(email):
            raise Refused(1, "Invalid Email Address")
        existing = self.subscribers.get(email.lower())
        custom = {
            item.get("Key", "").strip("[]"): item.get("Value")
            for item in given.get("CustomFields") or []
            if isinstance(item, dict)
        }
        known = {name: value for name, value in custom.items() if name in self.custom_fields}
        if existing is None:
            existing = {
                "EmailAddress": email,
                "Name": "",
                "ListJoinedDate": stamp(now),
                "State": "Active",
                "CustomFields": {},
                "ReadsEmailWith": "",
                "ConsentToTrack": "Unchanged",
                "_changed": now,
                "Date": stamp(now),
            }
            self.subscribers[email.lower()] = existing
            new = True
        else:
            new = False
            if resubscribe and existing["State"] != "Active":
                existing["State"], existing["Date"] = "Active", stamp(now)
        if given.get("Name") is not None:
            existing["Name"] = str(given["Name"])
        if given.get("ConsentToTrack") in ("Yes", "No"):
            existing["ConsentToTrack"] = given["ConsentToTrack"]
        existing["CustomFields"].update({k: "" if v is None else str(v) for k, v in known.items()})
        existing["_changed"] = now
        return new

    def unsubscribe(self, email: str, now: float) -> None:
        subscriber = self.get(email)
        if subscriber["State"] != "Unsubscribed":
            subscriber["State"], subscriber["Date"], subscriber["_changed"] = "Unsubscribed", stamp(now), now


def view(subscriber: dict[str, Any]) -> dict[str, Any]:
    shown = {key: value for key, value in subscriber.items() if not key.startswith("_") and key != "CustomFields"}
    shown["CustomFields"] = [{"Key": key, "Value": value} for key, value in subscriber["CustomFields"].items()]
    return shown
