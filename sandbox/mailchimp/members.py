"""Audiences and their members, with the checks Mailchimp makes when a member is added or updated.

A member is keyed by the subscriber hash (MD5 of the lower-cased address). ``PUT`` upserts (``status_if_new``
for a new member), ``PATCH`` updates, ``POST`` adds. Refusals are RFC 7807 problem documents with Mailchimp's
titles: "Invalid Resource" for a bad address, a bad status or a required merge field left empty; "Member Exists"
for a second add; "Resource Not Found" for an unknown list or member. Unknown merge tags are ignored.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

STATUSES = ("subscribed", "unsubscribed", "cleaned", "pending", "transactional")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.strip().lower().encode()).hexdigest()


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class Refused(Exception):
    def __init__(self, status: int, title: str, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or []

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "https://mailchimp.com/developer/marketing/docs/errors/",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": "",
        }
        if self.errors:
            body["errors"] = self.errors
        return body


@dataclass
class Audience:
    id: str
    name: str
    merge_fields: dict[str, str]  # tag -> type (text, number)
    required: frozenset[str] = frozenset()
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "stats": {"member_count": len(self.members)}}

    def member(self, member_hash: str) -> dict[str, Any]:
        found = self.members.get(member_hash.lower())
        if found is None:
            raise Refused(404, "Resource Not Found", "The requested resource could not be found.")
        return found

    def write(self, member_hash: str | None, body: Any, now: float, mode: str) -> dict[str, Any]:
        """``mode``: ``add`` (POST), ``upsert`` (PUT) or ``update`` (PATCH)."""
        if not isinstance(body, dict):
            raise Refused(400, "Invalid Resource", "The resource submitted could not be validated.")
        email = body.get("email_address")
        existing = self.members.get(member_hash.lower()) if member_hash else None
        if existing is None and member_hash is None and isinstance(email, str):
            existing = self.members.get(subscriber_hash(email))
            if existing is not None and mode == "add":
                raise Refused(400, "Member Exists", f"{email} is already a list member. Use PUT to insert or update.")
        if existing is None and mode == "update":
            raise Refused(404, "Resource Not Found", "The requested resource could not be found.")
        bad_address = not isinstance(email, str) or not EMAIL.match(email.strip())
        if (existing is None or email is not None) and bad_address:
            shown = email if isinstance(email, str) else ""
            raise Refused(400, "Invalid Resource", f"{shown} looks fake or invalid, please enter a real email address.")
        status = body.get("status") or (body.get("status_if_new") if existing is None else None)
        if existing is None and status is None:
            raise Refused(
                400,
                "Invalid Resource",
                "The resource submitted could not be validated.",
                [{"field": "status", "message": "Schema describes enum, NULL found instead"}],
            )
        if status is not None and status not in STATUSES:
            raise Refused(
                400,
                "Invalid Resource",
                "The resource submitted could not be validated.",
                [{"field": "status", "message": f"Schema describes enum, '{status}' found instead"}],
            )
        merge = self._merge_fields(body.get("merge_fields") or {}, existing)
        member = existing or {
            "id": subscriber_hash(email),
            "unique_email_id": subscriber_hash(email)[:10],
            "list_id": self.id,
            "timestamp_opt": iso(now),
        }
        if email is not None:
            self.members.pop(member["id"], None)
            member["email_address"] = email.strip()
            member["id"] = subscriber_hash(email)
        if status is not None:
            member["status"] = status
        member["merge_fields"] = merge
        member["last_changed"] = iso(now)
        member["_changed"] = now
        self.members[member["id"]] = member
        return member

    def _merge_fields(self, given: Any, existing: dict[str, Any] | None) -> dict[str, Any]:
        if not isinstance(given, dict):
            raise Refused(400, "Invalid Resource", "The resource submitted could not be validated.")
        merged = dict(existing["merge_fields"]) if existing else {tag: "" for tag in self.merge_fields}
        problems = []
        for tag, value in given.items():
            kind = self.merge_fields.get(tag.upper())
            if kind is None:
                continue  # unknown merge tags are ignored
            if kind == "number" and value not in ("", None):
                try:
                    value = float(value)
                    value = int(value) if value.is_integer() else value
                except (TypeError, ValueError):
                    problems.append({"field": tag.upper(), "message": "Please enter a number"})
                    continue
            merged[tag.upper()] = "" if value is None else value
        for tag in self.required:
            if merged.get(tag) in ("", None):
                problems.append({"field": tag, "message": "Please enter a value"})
        if problems:
            raise Refused(400, "Invalid Resource", "Your merge fields were invalid.", problems)
        return merged


def public(member: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in member.items() if not key.startswith("_")}
