"""Record fields as expression variables, under both spellings IdentitySync's templates use.

Public flows write the same field as ``data.subscribed`` and as ``data_subscribed`` (JEXL variables cannot
hold dots; IdentitySync's binding rule is not documented). A reference resolves to the first of these that
is present in the record:

1. the key exactly as written (a CSV header ``data.subscribed``, or ``data_subscribed``, or ``Subscribed``);
2. for a dotted reference, the underscore spelling as a literal key (``data.subscribed`` → ``data_subscribed``);
3. the dotted path as written, read through nested objects (``dataflow.fieldpath`` rules: at each level a
   literal dotted key for the remainder wins over nesting);
4. for a reference with underscores, the same with every underscore read as a dot
   (``data_subscribed`` → ``data`` → ``subscribed``).

So literal keys win over nesting, and the spelling written wins over the other. A field found nowhere is
null (lenient mode). A nested key that itself holds an underscore must be written with dots
(``data.first_name``), since rule 4 reads every underscore as a dot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.fieldpath import MISSING, compile_getter

Getter = Callable[[dict], Any]


def is_plain(path: str) -> bool:
    """A reference that can only mean one top-level key: ``record.get(path)`` is the whole lookup."""
    return "." not in path and "_" not in path


def compile_field(path: str) -> Getter:
    if is_plain(path):
        return lambda record: record.get(path)
    fallbacks = _fallbacks(path)

    def get(record: dict) -> Any:
        value = record.get(path, MISSING)
        if value is not MISSING:
            return value
        for fallback in fallbacks:
            value = fallback(record)
            if value is not MISSING:
                return value
        return None

    return get


def _fallbacks(path: str) -> list[Getter]:
    """Rules 2–4 above, as getters returning ``MISSING`` when absent (rule 1 is inlined by the caller)."""
    fallbacks: list[Getter] = []
    if "." in path:
        underscored = path.replace(".", "_")
        fallbacks.append(lambda record: record.get(underscored, MISSING))
        fallbacks.append(compile_getter(path))
    if "_" in path:
        fallbacks.append(compile_getter(path.replace("_", ".")))
    return fallbacks
