"""Generated "signals": Data Store objects of type ``signals``, the source of the Silverpop Signals table.

Gigya has no REST surface named Signals (gigya.md §6); the Gigya <-> Silverpop integration's "Signals" are
per-user behavioural values a site keeps in the Data Store (``ds.store`` with the user's UID), one object per
signal, updated as the value changes. The sandbox generates a few for the first accounts, deterministically by
seed and index like everything else, with timestamps before 2025 so that anything a test writes is newer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sandbox.gigya.clock import iso_ms
from sandbox.gigya.generator import DATA_END_MS, DATA_START_MS, AccountGenerator, mix

SIGNALS_TYPE = "signals"
SIGNAL_ACCOUNTS = 1000  # accounts that get signals (the first ones); keeps a 1M-account sandbox's start cheap
SIGNAL_NAMES = ("visits", "cartValue", "lastCategory", "appOpens")
_CATEGORIES = ("shoes", "books", "garden", "audio", "toys", "travel")


def signal_value(name: str, roll: int) -> str:
    if name == "cartValue":
        return f"{roll % 50_000 / 100:.2f}"
    if name == "lastCategory":
        return _CATEGORIES[roll % len(_CATEGORIES)]
    return str(roll % 500)


def generated_signals(generator: AccountGenerator, limit: int = SIGNAL_ACCOUNTS) -> Iterator[dict[str, Any]]:
    """The DS objects (``oid``, ``UID``, ``data``, timestamps) of about every other of the first accounts."""
    for index in range(min(generator.count, limit)):
        roll = mix(generator.h3(index) ^ 0x51_6E_A1)
        if roll % 2:
            continue
        uid = generator.uid(index)
        for bit, name in enumerate(SIGNAL_NAMES):
            if not (roll >> (bit + 1)) & 1:
                continue
            updated = DATA_START_MS + (roll >> 8) % (DATA_END_MS - DATA_START_MS)
            yield {
                "oid": f"{uid}-{name}",
                "UID": uid,
                "data": {"name": name, "value": signal_value(name, roll >> 20), "timestamp": iso_ms(updated)},
                "created": updated,
                "createdTime": iso_ms(updated),
                "lastUpdated": updated,
                "lastUpdatedTime": iso_ms(updated),
            }
