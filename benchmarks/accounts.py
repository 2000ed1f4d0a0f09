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


# Wide rows ----------------------------------------------------------------------------------------------
# A real Gigya export has many more columns than FLAT_COLUMNS. The pipeline benchmark needs rows of about
# 280 bytes so that parsing and writing cost what they cost in production. Everything below is new; the
# functions above (which generated flows/local/data) are unchanged.

WIDE_COLUMNS = [
    "UID",
    "profile.email",
    "profile.firstName",
    "profile.lastName",
    "profile.gender",
    "profile.birthYear",
    "profile.country",
    "profile.city",
    "profile.zip",
    "profile.address",
    "profile.phone",
    "profile.locale",
    "created",
    "lastLogin",
    "data.subscribed",
    "data.loyaltyTier",
    "data.points",
    "data.interests",
    "isVerified",
    "regSource",
    "socialProviders",
    "lastUpdatedTimestamp",
]
# Bump when the wide generator changes, so that benchmark files cached by an older one are not reused.
WIDE_VERSION = 1

# country, locale, phone prefix, cities (some non-ASCII: real exports have them)
_REGIONS = [
    ("US", "en_US", "+1", ["New York", "Chicago", "Austin", "Seattle", "Denver", "Boston"]),
    ("DE", "de_DE", "+49", ["Berlin", "München", "Hamburg", "Köln", "Leipzig"]),
    ("FR", "fr_FR", "+33", ["Paris", "Lyon", "Marseille", "Toulouse", "Nantes"]),
    ("GB", "en_GB", "+44", ["London", "Manchester", "Leeds", "Bristol", "Glasgow"]),
    ("ES", "es_ES", "+34", ["Madrid", "Barcelona", "Sevilla", "Valencia", "Málaga"]),
    ("IT", "it_IT", "+39", ["Roma", "Milano", "Napoli", "Torino", "Bologna"]),
    ("PL", "pl_PL", "+48", ["Warszawa", "Kraków", "Łódź", "Gdańsk", "Poznań"]),
    ("JP", "ja_JP", "+81", ["Tokyo", "Osaka", "Kyoto", "Sapporo", "Fukuoka"]),
    ("BR", "pt_BR", "+55", ["São Paulo", "Rio de Janeiro", "Curitiba", "Recife", "Salvador"]),
    ("NL", "nl_NL", "+31", ["Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"]),
]
# Many addresses carry a comma, one street a double quote: the CSV reader and writer both have quoting to do.
_STREETS = [
    "Main Street",
    "Oak Avenue",
    "Hauptstraße",
    "Rue de la Paix",
    "Calle Mayor",
    "Via Roma",
    "ul. Długa",
    "Rua Augusta",
    "Kerkstraat",
    "High Street",
    'Gut "Sonnenhof"',
    "Park Lane",
]
_EMAIL_DOMAINS = ["example.com", "mail.example.org", "example.net", "webmail.example.de", "example.co.uk"]
_TIERS = ["bronze", "silver", "gold", "platinum"]
_INTEREST_WORDS = ["sports", "music", "travel", "cooking", "tech", "fashion", "gaming", "books"]
_INTERESTS = ["", *_INTEREST_WORDS, *(f"{a},{b}" for a in _INTEREST_WORDS for b in _INTEREST_WORDS if a < b)]
_PROVIDERS = ["site", "site", "site,facebook", "site,google", "site,apple", "site,google,facebook"]
_SOURCES = [
    "https://www.example.com/signup",
    "https://shop.example.com/checkout",
    "https://www.example.com/newsletter?utm_source=mail",
    "ios-app",
    "android-app",
]
_POOL_BITS = 12  # each pool holds 4096 entries; one row picks one entry of each
_DAY0 = 1_420_070_400  # 2015-01-01T00:00:00Z, in seconds
_DAY_COUNT = 3_650


def _wide_pools(rng: random.Random) -> tuple[list[tuple[Any, ...]], ...]:
    """Pools of column groups that rows pick from.

    A million rows must generate in a few seconds and csv.writer alone takes most of that, so the fields
    that take real work to make (addresses, phones, ISO times) are made 4096 times per group, from the
    seeded generator, and each row combines one entry of each pool with its own UID and email.
    """
    from datetime import UTC, datetime

    size = 1 << _POOL_BITS
    names = []
    for _ in range(size):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        names.append((first, last, f"{first.lower()}.{last.lower()}", rng.choice(_EMAIL_DOMAINS)))
    people = []
    for _ in range(size):
        country, locale, prefix, cities = rng.choice(_REGIONS)
        house, street, flat = rng.randint(1, 400), rng.choice(_STREETS), rng.randint(0, 40)
        phone = f"{prefix} {rng.randint(100, 999)} {rng.randint(1_000_000, 9_999_999)}"
        people.append(
            (
                rng.choice("fmu"),
                rng.randint(1940, 2008),
                country,
                rng.choice(cities),
                f"{rng.randrange(100_000):05d}",  # leading zeros kept: a zip code is text
                f"{house} {street}, Apt {flat}" if flat else f"{house} {street}",
                phone if rng.random() < 0.8 else "",  # a fifth of the accounts gave no phone
                locale,
            )
        )
    times = []
    for _ in range(size):
        created_s = _DAY0 + rng.randrange(3_000 * 86_400)
        login_ms = rng.randrange(created_s, _DAY0 + _DAY_COUNT * 86_400) * 1000 + rng.randrange(1000)
        created = datetime.fromtimestamp(created_s, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        login = datetime.fromtimestamp(login_ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        times.append((f"{created}.{rng.randrange(1000):03d}Z", f"{login}.{login_ms % 1000:03d}Z", login_ms))
    prefs = [
        (
            "true" if rng.random() < 0.6 else "false",
            rng.choice(_TIERS),
            rng.randrange(5_000),
            rng.choice(_INTERESTS),
            "true" if rng.random() < 0.8 else "false",
            rng.choice(_SOURCES),
            rng.choice(_PROVIDERS),
        )
        for _ in range(size)
    ]
    return names, people, times, prefs


def wide_rows(count: int, seed: int = 7) -> Iterator[list[Any]]:
    """``count`` accounts as WIDE_COLUMNS rows (about 280 bytes of CSV each), the same for the same seed."""
    rng = random.Random(seed)
    names, people, times, prefs = _wide_pools(rng)
    getrandbits = rng.getrandbits
    mask = (1 << _POOL_BITS) - 1
    for index in range(count):
        bits = getrandbits(64 + 4 * _POOL_BITS)
        first, last, local, domain = names[bits & mask]
        created, login, updated = times[(bits >> _POOL_BITS) & mask]
        yield [
            f"{index:08d}{bits >> 4 * _POOL_BITS:016x}",
            f"{local}.{index}@{domain}",
            first,
            last,
            *people[(bits >> 2 * _POOL_BITS) & mask],
            created,
            login,
            *prefs[(bits >> 3 * _POOL_BITS) & mask],
            updated,
        ]


def write_wide_csv(path: Path, count: int, seed: int = 7) -> Path:
    """Write ``count`` wide rows to ``path``: header WIDE_COLUMNS, ``\\n`` line ends, minimal quoting."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(WIDE_COLUMNS)
        writer.writerows(wide_rows(count, seed))
    return path
