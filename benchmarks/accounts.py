"""Synthetic Gigya-like accounts, deterministic by seed: the data of the benchmarks and the sample flow.

Each account is about 280 bytes as JSON (nested ``profile``/``data``); ``flat_row`` gives the same account as
one CSV row with dotted headers, the shape a Gigya export file has.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FIRST = ["Anna", "Ben", "Chloé", "David", "Emma", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kemal", "Lena"]
LAST = ["Smith", "Müller", "Garcia", "Rossi", "Nowak", "Dubois", "Silva", "Jensen", "Kowalski", "Tanaka"]
COUNTRIES = ["US", "DE", "FR", "GB", "ES", "IT", "PL", "JP", "BR", "NL"]
FLAT_COLUMNS = [
    "UID",
    "profile.email",
    "profile.firstName",
    "profile.lastName",
    "profile.country",
    "profile.birthYear",
    "data.subscribed",
    "data.loyaltyTier",
    "lastUpdatedTimestamp",
]


def account(index: int, rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "UID": f"{index:08d}{rng.getrandbits(64):016x}",
        "profile": {
            "email": f"{first.lower()}.{last.lower()}.{index}@example.com",
            "firstName": first,
            "lastName": last,
            "country": rng.choice(COUNTRIES),
            "birthYear": rng.randint(1940, 2008),
        },
        "data": {"subscribed": rng.random() < 0.6, "loyaltyTier": rng.choice(["bronze", "silver", "gold"])},
        "lastUpdatedTimestamp": 1_700_000_000_000 + index * 1000,
    }


def accounts(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for index in range(count):
        yield account(index, rng)


def flat_row(record: dict[str, Any]) -> list[Any]:
    profile, data = record["profile"], record["data"]
    return [
        record["UID"],
        profile["email"],
        profile["firstName"],
        profile["lastName"],
        profile["country"],
        profile["birthYear"],
        "true" if data["subscribed"] else "false",
        data["loyaltyTier"],
        record["lastUpdatedTimestamp"],
    ]


def write_csv(path: Path, count: int, seed: int = 7) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FLAT_COLUMNS)
        writer.writerows(flat_row(record) for record in accounts(count, seed))
    return path

