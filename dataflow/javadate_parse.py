"""Java ``SimpleDateFormat`` patterns as parsers (``DateFormat.parse``), and time zones as flows name them.

The formatting side is ``dataflow.javadate``; both read a pattern with the same scanner, so a pattern that
formats a date also parses it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from dataflow.javadate import PatternField, scan_pattern

_OFFSET = re.compile(r"(?:GMT|UTC)?([+-])([0-9]{1,2})(?::?([0-9]{2}))?")


def zone_named(name: str) -> tzinfo:
    """An IANA zone (``Europe/Paris``), ``UTC``/``GMT``, or a fixed offset (``+02:00``, ``GMT-5``)."""
    if name in ("UTC", "GMT", "Z"):
        return UTC
    offset = _OFFSET.fullmatch(name)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0)))
    return ZoneInfo(name)  # ZoneInfoNotFoundError (a KeyError) or ValueError for a bad name


_MONTH_NAMES = ("january", "february", "march", "april", "may", "june",
                "july", "august", "september", "october", "november", "december")  # fmt: skip
_MONTHS = {name[:3]: number for number, name in enumerate(_MONTH_NAMES, 1)}
_NAMES_OF = {
    "M": "|".join([*_MONTH_NAMES, *_MONTHS]),
    "E": "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun",
    "a": "am|pm",
    "G": "ad|bc",
}
_NAMES_OF["L"] = _NAMES_OF["M"]
_ZONE_TEXT = r"[+-][0-9]{1,2}(?::?[0-9]{2})?|[A-Za-z]{1,5}(?:[+-][0-9]{1,2}(?::?[0-9]{2})?)?"
_US_ZONES = {"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}
_NUMERIC_LETTERS = frozenset("yYdHkKhmsSDFwWu")


def _parsed_zone(text: str) -> tzinfo:
    hours = _US_ZONES.get(text.upper())
    if hours is not None:
        return timezone(timedelta(hours=hours))
    if text == "UT" or _OFFSET.fullmatch(text) or text in ("UTC", "GMT", "Z"):
        return zone_named("UTC" if text == "UT" else text)
    raise ValueError(f"unknown time zone '{text}'")


def _is_number(part: Any) -> bool:
    return isinstance(part, PatternField) and (
        part.letter in _NUMERIC_LETTERS or (part.letter in "ML" and part.count < 3)
    )


def compile_parser(pattern: str, zone: tzinfo, now: datetime) -> Callable[[str], datetime]:
    """A Java ``SimpleDateFormat`` pattern as a parser, as Java reads it (``DateFormat.parse``).

    Java's rules kept: a number's letter count matters only between two abutting numbers (``yyyyMMdd``);
    names are case-insensitive; ``yy`` with two digits lands within 80 years before and 20 after now; ``S`` is
    a count of milliseconds; text after the pattern is ignored. Week, weekday and era fields are read and
    ignored; values out of range fail (Java's lenient rollover is not reproduced). No zone in the pattern
    means the value is in ``zone``.
    """
    parts = scan_pattern(pattern)
    regex: list[str] = []
    fields: list[PatternField] = []
    for index, part in enumerate(parts):
        if isinstance(part, str):
            regex.append(re.escape(part))
            continue
        fields.append(part)
        if _is_number(part):
            abutting = index + 1 < len(parts) and _is_number(parts[index + 1])
            regex.append(f"([0-9]{{{part.count}}})" if abutting else "([0-9]+)")
        elif part.letter in "zZX":
            regex.append(f"({_ZONE_TEXT})")
        else:
            regex.append(f"((?i:{_NAMES_OF[part.letter]}))")
    compiled = re.compile("".join(regex))
    century_start = now.year - 80

    def parse_text(text: str) -> datetime:
        found = compiled.match(text)
        if found is None:
            raise ValueError(f"does not match the pattern '{pattern}'")
        got: dict[str, Any] = {}
        for field, value in zip(fields, found.groups(), strict=True):
            letter = field.letter
            if letter in "yY":
                year = int(value)
                if field.count <= 2 and len(value) == 2:
                    year += century_start // 100 * 100
                    year += 100 if year < century_start else 0
                got["year"] = year
            elif letter in "ML":
                got["month"] = int(value) if field.count < 3 else _MONTHS[value[:3].lower()]
            elif letter in "dHmsS":
                got[letter] = int(value)
            elif letter in "kKh":
                got["H" if letter == "k" else "h"] = int(value) % (24 if letter == "k" else 12)
            elif letter == "a":
                got["pm"] = value.lower() == "pm"
            elif letter in "zZX":
                got["zone"] = _parsed_zone(value)
        hour = got.get("H")
        if hour is None:
            hour = got.get("h", 0) + (12 if got.get("pm") else 0)
        moment = datetime(
            got.get("year", 1970), got.get("month", 1), got.get("d", 1), hour, got.get("m", 0), got.get("s", 0),
            tzinfo=got.get("zone", zone),
        )  # fmt: skip
        return moment + timedelta(milliseconds=got.get("S", 0))

    return parse_text
