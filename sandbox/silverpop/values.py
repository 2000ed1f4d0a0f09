"""Column types and value checks for databases and relational tables.

Databases name a column type by number (GetListMetaData ``TYPE``, AddListColumn ``COLUMN_TYPE``); relational
tables by word (CreateTable ``TYPE``). Both map onto one "kind" here, and :func:`normalize` checks and canonicalises
a value of that kind so that a client sending a malformed date or a non-number into a numeric column is told so,
as Acoustic does, instead of the sandbox silently storing it. Dates are ``MM/dd/yyyy`` and time stamps
``MM/dd/yyyy HH:mm:ss``, both GMT.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sandbox.silverpop.clock import java_format, parse_request_date

# silverpop.md §4.2 type codes.
LIST_TYPE_KINDS: dict[int, str] = {
    0: "text",
    1: "yesno",
    2: "numeric",
    3: "date",
    4: "time",
    5: "country",
    6: "select",
    7: "email",
    8: "text",  # segmenting
    9: "email",  # system EMAIL column
    13: "yesno",  # SMS opt-in
    14: "date",  # SMS opted-out date
    15: "phone",
    16: "phone",
    17: "timestamp",
    19: "text",  # sync id
    20: "multiselect",
}

TABLE_TYPE_KINDS: dict[str, str] = {
    "TEXT": "text",
    "YESNO": "yesno",
    "NUMERIC": "numeric",
    "DATE": "date",
    "TIME": "time",
    "COUNTRY": "country",
    "SELECTION": "select",
    "EMAIL": "email",
    "DATE_TIME": "timestamp",
    "SYNC_ID": "text",
    "PHONE_NUMBER": "phone",
}

MAX_TEXT = 4000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ().\-]{3,32}$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_YES = {"yes", "y", "true", "t", "1"}
_NO = {"no", "n", "false", "f", "0"}
_LABELS = {
    "date": "Date",
    "timestamp": "Date",
    "numeric": "Numeric",
    "yesno": "Yes/No",
    "email": "Email",
    "time": "Time",
    "phone": "Phone Number",
    "select": "Selection",
    "multiselect": "Selection",
    "text": "Text",
}


def valid_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def normalize(kind: str, value: str, selection: tuple[str, ...] = ()) -> str:
    """The canonical stored form of ``value``; ``ValueError`` with Silverpop's "Invalid X Value" wording."""
    value = value.strip()
    if value == "":
        return ""
    try:
        return _normalize(kind, value, selection)
    except (ValueError, InvalidOperation, OverflowError):
        raise ValueError(f"Invalid {_LABELS.get(kind, 'Text')} Value") from None


def _normalize(kind: str, value: str, selection: tuple[str, ...]) -> str:
    if kind == "yesno":
        lowered = value.lower()
        if lowered in _YES:
            return "Yes"
        if lowered in _NO:
            return "No"
        raise ValueError(value)
    if kind == "numeric":
        number = Decimal(value)
        if not number.is_finite():
            raise ValueError(value)
        return value
    if kind == "date":
        return java_format(parse_request_date(value), "MM/dd/yyyy")
    if kind == "timestamp":
        return java_format(parse_request_date(value), "MM/dd/yyyy HH:mm:ss")
    if kind == "time":
        match = _TIME.match(value)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59 or int(match.group(3) or 0) > 59:
            raise ValueError(value)
        return f"{int(match.group(1)):02d}:{match.group(2)}:{int(match.group(3) or 0):02d}"
    if kind == "email":
        if not valid_email(value):
            raise ValueError(value)
        return value
    if kind == "phone":
        if not _PHONE.match(value):
            raise ValueError(value)
        return value
    if kind in ("select", "multiselect") and selection:
        wanted = [part.strip() for part in value.split(";")] if kind == "multiselect" else [value]
        canonical = {option.lower(): option for option in selection}
        if any(part.lower() not in canonical for part in wanted):
            raise ValueError(value)
        return ";".join(canonical[part.lower()] for part in wanted)
    if len(value) > MAX_TEXT:
        raise ValueError(value)
    return value


def reformat_date(kind: str, stored: str, pattern: str | None) -> str:
    """An export's view of a stored date/time stamp in ``LIST_DATE_FORMAT`` (unchanged without one)."""
    if not pattern or not stored or kind not in ("date", "timestamp"):
        return stored
    return java_format(parse_request_date(stored), pattern)
