"""Write semantics shared by the API methods and the admin hooks: setAccountInfo merges, imports, lite accounts.

Kept apart from the HTTP handlers so a test's ``sandbox.update_account(uid, {...})`` changes an account exactly
the way ``accounts.setAccountInfo`` would (deep merge, ``null`` deletes, ``lastUpdated`` bumped).
"""

from __future__ import annotations

from typing import Any

from sandbox.gigya.clock import iso_ms, parse_iso_ms
from sandbox.gigya.documents import deep_merge, strip_nulls
from sandbox.gigya.errors import GigyaError

OBJECT_FIELDS = ("profile", "data", "subscriptions", "preferences", "communications", "customIdentifiers", "internal")
# Field groups that an import replaces whole rather than merging (identitysync.md §3.6).
IMPORT_GROUPS = ("loginIDs", "emails", "password", "identities", "phoneNumber")
IMPORT_DATES = ("created", "lastLogin", "lastUpdated", "registered", "verified")
_INT_RANGES = {"birthYear": (1800, 2100), "birthMonth": (1, 12), "birthDay": (1, 31), "age": (0, 150)}


def validate_profile(profile: dict[str, Any]) -> None:
    """The reserved-field checks Gigya's schema makes on ``profile`` (400009 with validationErrors)."""
    problems = []
    for name, (low, high) in _INT_RANGES.items():
        value = profile.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high):
            problems.append((name, f"{name} must be an integer between {low} and {high}"))
    gender = profile.get("gender")
    if gender is not None and gender not in ("m", "f", "u"):
        problems.append(("gender", "gender must be one of m, f, u"))
    email = profile.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email):
        problems.append(("email", "email must be an email address"))
    for name in ("phones", "likes", "education", "work"):
        value = profile.get(name)
        if value is not None and not (isinstance(value, list) and all(isinstance(i, dict) for i in value)):
            problems.append((name, f"{name} must be an array of objects"))
    if problems:
        raise GigyaError(
            400009,
            "Schema validation failed",
            validationErrors=[
                {"errorCode": 400006, "message": message, "fieldName": f"profile.{name}"} for name, message in problems
            ],
        )


def stamp_subscriptions(patch: dict[str, Any] | None, now_iso: str) -> None:
    """A subscription whose ``isSubscribed`` is written gets ``lastUpdatedSubscriptionState`` = now."""
    for subscription in (patch or {}).values():
        if not isinstance(subscription, dict):
            continue
        for channel in subscription.values():
            if isinstance(channel, dict) and "isSubscribed" in channel:
                channel.setdefault("lastUpdatedSubscriptionState", now_iso)


def bump(doc: dict[str, Any], now_ms: int) -> None:
    doc["lastUpdated"] = iso_ms(now_ms)
    doc["lastUpdatedTimestamp"] = now_ms


def merge_account(doc: dict[str, Any], patches: dict[str, dict[str, Any]], now_ms: int) -> None:
    """setAccountInfo: merge each object param into the account, then bump ``lastUpdated``."""
    now_iso = iso_ms(now_ms)
    for name, patch in patches.items():
        if name == "profile":
            validate_profile(patch)
        if name == "subscriptions":
            stamp_subscriptions(patch, now_iso)
        target = doc.get(name)
        if not isinstance(target, dict):
            target = doc[name] = {}
        deep_merge(target, patch)
    bump(doc, now_ms)


def set_flags(doc: dict[str, Any], flags: dict[str, bool | None]) -> None:
    for name, value in flags.items():
        if value is None:
            continue
        if name == "isVerified" and doc.get("isVerified") and not value:
            continue  # isVerified=true is irreversible
        doc[name] = value


def apply_import_dates(doc: dict[str, Any], dates: dict[str, str]) -> None:
    for name, text in dates.items():
        millis = parse_iso_ms(text)
        if millis is None:
            raise GigyaError(400006, f"Invalid date for {name}: {text!r}")
        doc[name] = iso_ms(millis)
        doc[f"{name}Timestamp"] = millis


def import_into(doc: dict[str, Any], objects: dict[str, Any], now_ms: int) -> None:
    """importFullAccount on an existing or new account: objects merge, field groups are replaced whole."""
    now_iso = iso_ms(now_ms)
    for name, value in objects.items():
        if name in IMPORT_GROUPS:
            doc[name] = strip_nulls(value)
            continue
        if name == "profile":
            validate_profile(value)
        if name == "subscriptions":
            stamp_subscriptions(value, now_iso)
        target = doc.get(name)
        if not isinstance(target, dict):
            target = doc[name] = {}
        deep_merge(target, value)


def new_account(uid: str, now_ms: int, *, lite: bool = False) -> dict[str, Any]:
    now_iso = iso_ms(now_ms)
    doc: dict[str, Any] = {
        "UID": uid,
        "created": now_iso,
        "createdTimestamp": now_ms,
        "lastUpdated": now_iso,
        "lastUpdatedTimestamp": now_ms,
        "oldestDataUpdated": now_iso,
        "oldestDataUpdatedTimestamp": now_ms,
        "hasLiteAccount": lite,
        "hasFullAccount": not lite,
    }
    if not lite:
        doc.update(isActive=True, isRegistered=True, isVerified=False, loginProvider="site", socialProviders="site")
    return doc
