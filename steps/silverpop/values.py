"""Values as Silverpop reads them: Yes/No fields, GMT dates, text cells.

Gigya hands over booleans (``true``), ISO-8601 times (``2024-05-01T10:00:00.000Z``) and epoch numbers; a
Silverpop Yes/No field wants ``Yes``/``No`` and a date field ``MM/dd/yyyy`` (time stamps
``MM/dd/yyyy HH:mm:ss``), read in the Silverpop user's time zone, which for this integration is GMT. The
writers convert the values of columns whose Silverpop type says so and leave everything else untouched, so a
value already in Silverpop's form, or one Silverpop will reject, passes as it is and is judged by Silverpop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from dataflow import jsonio

# GetListMetaData TYPE: database type codes (silverpop.md §4.2) and relational table TYPE words (§4.3).
YESNO_TYPES = frozenset({"1", "13", "YESNO"})
DATE_TYPES = frozenset({"3", "14", "DATE"})
TIMESTAMP_TYPES = frozenset({"17", "DATE_TIME"})
PHONE_TYPES = frozenset({"15", "16", "PHONE_NUMBER"})

_YES = frozenset({"true", "yes", "y", "t", "1"})
_NO = frozenset({"false", "no", "n", "f", "0"})
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_EPOCH = re.compile(r"^-?\d{9,14}$")
_MS_THRESHOLD = 100_000_000_000  # larger numbers are epoch milliseconds (year 1973 in seconds is smaller)

Converter = Callable[[str], str]


def yes_no(value: str) -> str:
    lowered = value.strip().lower()
    if lowered in _YES:
        return "Yes"
    if lowered in _NO:
        return "No"
    return value


def parse_moment(value: str) -> datetime | None:
    """An ISO-8601 text or epoch seconds/milliseconds as an aware UTC datetime; ``None`` for anything else."""
    text = value.strip()
    if _EPOCH.match(text):
        number = int(text)
        seconds = number / 1000 if abs(number) >= _MS_THRESHOLD else number
        return datetime.fromtimestamp(seconds, UTC)
    if _ISO.match(text):
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None


def gmt_date(value: str) -> str:
    moment = parse_moment(value)
    return moment.strftime("%m/%d/%Y") if moment else value


def gmt_timestamp(value: str) -> str:
    moment = parse_moment(value)
    return moment.strftime("%m/%d/%Y %H:%M:%S") if moment else value


def converter(type_text: str) -> Converter | None:
    """What a column of this Silverpop type needs done to a Gigya value; ``None`` for nothing."""
    kind = type_text.strip().upper()
    if kind in YESNO_TYPES:
        return yes_no
    if kind in DATE_TYPES:
        return gmt_date
    if kind in TIMESTAMP_TYPES:
        return gmt_timestamp
    return None


def is_phone(type_text: str) -> bool:
    return type_text.strip().upper() in PHONE_TYPES


def cell(value: Any) -> str:
    """A record value as one text cell: null empty, booleans true/false, objects and arrays as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return jsonio.dumps(value)
    return str(value)


def one_line(text: str) -> str:
    """Line breaks as spaces, so a data row is one physical line and error line numbers point at it."""
    if "\n" in text or "\r" in text:
        return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return text


def names(value: Any) -> list[str]:
    """Column names from a comma list (IdentitySync's ``columns``) or an array."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]
