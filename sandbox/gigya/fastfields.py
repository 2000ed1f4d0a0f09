"""Single fields of generated accounts, computed from the index without generating the account.

A scan over a million accounts for ``WHERE lastUpdatedTimestamp > …`` or ``profile.likes.category = …`` reads one
or two fields per account; building each whole account (~15 µs) would make that scan ten times slower. Each
function here must return exactly ``path_values(gen.account(i), path)``; a test checks every one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.gigya import wordlists as W
from sandbox.gigya.generator import POOL, AccountGenerator, fast_iso

# Fast fields whose document value is an array (so a projection cannot be built from them alone).
LIST_VALUED = frozenset(
    {"loginIDs.emails", *(f"profile.likes.{key}" for key in ("name", "category", "id", "time", "timestamp"))}
)


def fast_fields(gen: AccountGenerator) -> dict[str, Callable[[int], list[Any]]]:
    """Path -> function(index) -> the path's values, for paths that need no whole account."""
    core = gen.core

    def scalar(position: int) -> Callable[[int], list[Any]]:
        return lambda i: [core(i)[position]]

    def iso(position: int) -> Callable[[int], list[Any]]:
        return lambda i: [fast_iso(core(i)[position])]

    fields: dict[str, Callable[[int], list[Any]]] = {
        "UID": lambda i: [gen.uid(i)],
        "createdTimestamp": scalar(7),
        "created": iso(7),
        "oldestDataUpdatedTimestamp": scalar(7),
        "oldestDataUpdated": iso(7),
        "lastUpdatedTimestamp": scalar(8),
        "lastUpdated": iso(8),
        "lastLoginTimestamp": scalar(9),
        "lastLogin": iso(9),
        "registeredTimestamp": lambda i: [core(i)[7]] if core(i)[12] else [],
        "registered": lambda i: [fast_iso(core(i)[7])] if core(i)[12] else [],
        "isActive": scalar(10),
        "isVerified": scalar(11),
        "isRegistered": scalar(12),
        "hasLiteAccount": lambda i: [False],
        "hasFullAccount": lambda i: [True],
        "loginProvider": lambda i: ["site"],
        "profile.gender": scalar(0),
        "profile.firstName": scalar(1),
        "profile.lastName": scalar(2),
        "profile.birthYear": scalar(3),
        "profile.country": lambda i: [core(i)[4][0]],
        "profile.locale": lambda i: [core(i)[4][2]],
        "profile.city": scalar(5),
        "profile.zip": lambda i: [gen.zip_code(core(i)[4], core(i)[6])],
        "profile.email": scalar(13),
        "loginIDs.emails": scalar(13),
        "lastLoginLocation.country": lambda i: [core(i)[4][1]],
        "lastLoginLocation.city": scalar(5),
        "data.loyaltyTier": scalar(15),
        "data.terms": lambda i: [True],
    }
    h3, likes = gen.h3, gen.likes_pool
    fields.update(
        {
            "socialProviders": lambda i: [W.SOCIAL_PROVIDERS[h3(i) % len(W.SOCIAL_PROVIDERS)]],
            "regSource": lambda i: [W.REG_SOURCES[(h3(i) >> 3) % len(W.REG_SOURCES)]],
            "profile.birthMonth": lambda i: [1 + (h3(i) >> 12) % 12],
            "profile.birthDay": lambda i: [1 + (h3(i) >> 16) % 28],
            "data.points": lambda i: [(h3(i) >> 44) % 5000],
            "preferences.terms.tos.isConsentGranted": lambda i: [True],
            # the SMS consent exists for accounts with phones (h3 % 5), granted by 60% of them
            "preferences.marketing.sms.isConsentGranted": lambda i: [(h3(i) >> 28) % 10 < 6] if h3(i) % 5 else [],
        }
    )
    for key in ("name", "category", "id", "time", "timestamp"):
        fields[f"profile.likes.{key}"] = lambda i, k=key: [like[k] for like in likes[(h3(i) >> 24) % POOL]]
    weekly = lambda i: core(i)[14] & 1 or core(i)[14] == 6  # noqa: E731
    fields["data.subscribed"] = lambda i: ["true" if weekly(i) else "false"]
    fields["subscriptions.newsletterWeekly.email.isSubscribed"] = lambda i: [bool(weekly(i))]
    for bit, name in enumerate(W.NEWSLETTERS[1:], start=1):
        fields[f"subscriptions.{name}.email.isSubscribed"] = lambda i, b=bit: [bool(core(i)[14] >> b & 1)]
    return fields
