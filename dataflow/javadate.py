"""Java ``SimpleDateFormat`` patterns, compiled once into a Python formatter.

IdentitySync dataflows written for the hosted service carry Java date patterns (file names such as
``export_${now:yyyyMMdd}.csv``, ``dateFormat`` params).  To stay compatible we must render those
patterns exactly as Java does with ``Locale.US`` -- including its quirks: ``yy`` is the 2-digit year
while ``y``/``yyyy`` is the full year, ``S`` is milliseconds padded (not a fraction), ``Y``/``w`` follow
US week rules (weeks start on Sunday, week 1 is the week holding January 1), ``X`` prints ``Z`` for UTC.
Python's ``strftime`` is locale-dependent and has none of these semantics, so we translate.

A pattern is parsed once by :func:`compile_pattern` into a tuple of small closures; formatting a datetime
only calls them and joins the pieces, so a flow that formats millions of records never re-parses.
Errors mirror Java's ``IllegalArgumentException`` messages and carry the 0-based ``offset`` of the bad
character, so callers can point at it inside a larger string.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

__all__ = ["PATTERN_LETTERS", "Formatter", "PatternError", "compile_pattern"]

Formatter = Callable[[datetime], str]

#: The letters Java's SimpleDateFormat gives a meaning to (``DateFormatSymbols.patternChars``).
PATTERN_LETTERS = frozenset("GyYMLwWDdFEuaHkKhmsSzZX")

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_SHORT_MONTHS = tuple(name[:3] for name in _MONTHS)
# Indexed by datetime.weekday(): Monday is 0.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SHORT_WEEKDAYS = tuple(name[:3] for name in _WEEKDAYS)
_LONG_ZONE_NAMES = {"UTC": "Coordinated Universal Time", "GMT": "Greenwich Mean Time"}


class PatternError(ValueError):
    """A date pattern Java would reject; ``offset`` is the 0-based index of the offending character."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class PatternField(NamedTuple):
    letter: str
    count: int
    offset: int


# --------------------------------------------------------------------------------------------- parsing


def scan_pattern(pattern: str) -> list[str | PatternField]:
    """Split a pattern into literal strings and letter runs, following Java's quoting rules."""
    parts: list[str | PatternField] = []
    literal: list[str] = []
    in_quote, quote_at, i, n = False, -1, 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "'":
            if i + 1 < n and pattern[i + 1] == "'":  # '' is a literal quote, inside quotes or out
                literal.append("'")
                i += 2
                continue
            in_quote, quote_at = not in_quote, i
            i += 1
            continue
        if in_quote or not _is_ascii_letter(c):
            literal.append(c)
            i += 1
            continue
        if c not in PATTERN_LETTERS:
            raise PatternError(f"Illegal pattern character '{c}'", i)
        end = _run_end(pattern, i)
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(PatternField(c, end - i, i))
        i = end
    if in_quote:
        raise PatternError("Unterminated quote", quote_at)
    if literal:
        parts.append("".join(literal))
    return parts


def _is_ascii_letter(c: str) -> bool:
    return "a" <= c <= "z" or "A" <= c <= "Z"


def _run_end(pattern: str, start: int) -> int:
    end = start + 1
    while end < len(pattern) and pattern[end] == pattern[start]:
        end += 1
    return end


# ------------------------------------------------------------------------------------- calendar helpers


def _sunday_on_or_before(ordinal: int) -> int:
    # date.toordinal() is 1 for Monday 0001-01-01, so ordinal % 7 == 0 exactly on Sundays.
    return ordinal - ordinal % 7


def _week_year_and_week(dt: datetime) -> tuple[int, int]:
    """US week numbering: weeks start on Sunday and week 1 is the one that contains January 1."""
    ordinal = dt.toordinal()
    jan1 = date(dt.year, 1, 1).toordinal()
    next_jan1 = jan1 + (366 if _is_leap(dt.year) else 365)
    if ordinal >= _sunday_on_or_before(next_jan1):
        return dt.year + 1, 1
    return dt.year, (ordinal - _sunday_on_or_before(jan1)) // 7 + 1


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _day_of_year(dt: datetime) -> int:
    return dt.toordinal() - date(dt.year, 1, 1).toordinal() + 1


def _week_of_month(dt: datetime) -> int:
    ordinal = dt.toordinal()
    first = ordinal - dt.day + 1
    return (ordinal - _sunday_on_or_before(first)) // 7 + 1


def _offset_minutes(dt: datetime) -> int:
    offset = dt.utcoffset()
    if offset is None:
        raise ValueError("time zone fields (z, Z, X) need a timezone-aware datetime")
    seconds = int(offset.total_seconds())
    minutes = abs(seconds) // 60  # Java drops the seconds of an offset
    return minutes if seconds >= 0 else -minutes


def _signed_hours_minutes(minutes: int, separator: str) -> str:
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{separator}{mins:02d}"


# ------------------------------------------------------------------------------------ field formatters


def _number(get: Callable[[datetime], int], count: int) -> Formatter:
    """Java's zeroPaddingNumber: at least ``count`` digits, never truncated."""
    if count == 1:
        return lambda dt: str(get(dt))
    spec = f"0{count}d"
    return lambda dt: format(get(dt), spec)


def _year(get: Callable[[datetime], int], count: int) -> Formatter:
    if count == 2:  # the only count that clips: 2024 -> "24"
        return lambda dt: format(get(dt) % 100, "02d")
    return _number(get, count)


def _month(count: int) -> Formatter:
    if count >= 4:
        return lambda dt: _MONTHS[dt.month - 1]
    if count == 3:
        return lambda dt: _SHORT_MONTHS[dt.month - 1]
    return _number(lambda dt: dt.month, count)


def _weekday(count: int) -> Formatter:
    names = _WEEKDAYS if count >= 4 else _SHORT_WEEKDAYS
    return lambda dt: names[dt.weekday()]


def _zone_name(count: int) -> Formatter:
    long_form = count >= 4

    def zone_name(dt: datetime) -> str:
        minutes = _offset_minutes(dt)
        name = dt.tzname()
        if minutes == 0 and name in (None, "UTC", "UTC+00:00", "Z"):
            name = "UTC"
        if name and name.isascii() and name.isalpha():
            return _LONG_ZONE_NAMES.get(name, name) if long_form else name
        # A fixed offset with no abbreviation: Java prints a custom zone as GMT+hh:mm.
        return "GMT" + _signed_hours_minutes(minutes, ":")

    return zone_name


def _rfc822_zone(count: int) -> Formatter:
    return lambda dt: _signed_hours_minutes(_offset_minutes(dt), "")


def _iso_zone(count: int) -> Formatter:
    def iso_zone(dt: datetime) -> str:
        minutes = _offset_minutes(dt)
        if minutes == 0:
            return "Z"
        text = _signed_hours_minutes(minutes, ":" if count == 3 else "")
        return text[:3] if count == 1 else text

    return iso_zone


def _hour(get: Callable[[datetime], int]) -> Callable[[int], Formatter]:
    return lambda count: _number(get, count)


_BUILDERS: dict[str, Callable[[int], Formatter]] = {
    "G": lambda count: lambda dt: "AD",  # datetime cannot hold a year before 1
    "y": lambda count: _year(lambda dt: dt.year, count),
    "Y": lambda count: _year(lambda dt: _week_year_and_week(dt)[0], count),
    "M": _month,
    "L": _month,  # stand-alone month names are the same words in English
    "w": lambda count: _number(lambda dt: _week_year_and_week(dt)[1], count),
    "W": lambda count: _number(_week_of_month, count),
    "D": lambda count: _number(_day_of_year, count),
    "d": lambda count: _number(lambda dt: dt.day, count),
    "F": lambda count: _number(lambda dt: (dt.day - 1) // 7 + 1, count),
    "E": _weekday,
    "u": lambda count: _number(lambda dt: dt.isoweekday(), count),
    "a": lambda count: lambda dt: "AM" if dt.hour < 12 else "PM",
    "H": _hour(lambda dt: dt.hour),
    "k": _hour(lambda dt: dt.hour or 24),
    "K": _hour(lambda dt: dt.hour % 12),
    "h": _hour(lambda dt: dt.hour % 12 or 12),
    "m": lambda count: _number(lambda dt: dt.minute, count),
    "s": lambda count: _number(lambda dt: dt.second, count),
    "S": lambda count: _number(lambda dt: dt.microsecond // 1000, count),
    "z": _zone_name,
    "Z": _rfc822_zone,
    "X": _iso_zone,
}


def _field_formatter(field: PatternField) -> Formatter:
    if field.letter == "X" and field.count > 3:
        raise PatternError(f"invalid ISO 8601 format: length={field.count}", field.offset)
    return _BUILDERS[field.letter](field.count)


# ------------------------------------------------------------------------------------------- compiling


def _literal(text: str) -> Formatter:
    return lambda dt: text


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Formatter:
    """Compile a Java ``SimpleDateFormat`` pattern (Locale.US) into ``formatter(datetime) -> str``.

    The datetime is formatted in its own zone, so pass one already converted to the zone you want
    (the engine passes UTC).  Raises :class:`PatternError` for a pattern Java would reject.
    """
    pieces: list[Formatter] = []
    for part in scan_pattern(pattern):
        pieces.append(_literal(part) if isinstance(part, str) else _field_formatter(part))
    if not pieces:
        return _literal("")
    if len(pieces) == 1:
        return pieces[0]
    frozen = tuple(pieces)
    return lambda dt: "".join([piece(dt) for piece in frozen])
