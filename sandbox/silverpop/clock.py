"""Time for the Silverpop sandbox: an injectable clock and Silverpop's GMT date formats.

Token expiry, job state changes and every stored timestamp read one clock, so a test can walk a job from
WAITING to COMPLETE, or expire a token, by moving a :class:`ManualClock` instead of sleeping. Silverpop writes
dates in several Java ``SimpleDateFormat`` patterns; they are all rendered in GMT here so runs are reproducible
whatever the machine's time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sandbox.clock import Clock
from sandbox.clock import ManualClock as SharedManualClock

__all__ = ["Clock", "ManualClock", "java_format", "parse_request_date", "short_date"]


class ManualClock(SharedManualClock):
    """A clock that moves only when told to, starting at a fixed moment so runs are reproducible."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        super().__init__(start)


_PATTERN = re.compile(r"yyyy|yy|MMM|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|a|'[^']*'")


def java_format(epoch: float, pattern: str) -> str:
    """Render ``epoch`` (GMT) with the subset of Java date patterns Silverpop uses (``MM/dd/yyyy hh:mm a``)."""
    moment = datetime.fromtimestamp(epoch, UTC)
    hour12 = moment.hour % 12 or 12
    parts = {
        "yyyy": f"{moment.year:04d}",
        "yy": f"{moment.year % 100:02d}",
        "MMM": moment.strftime("%b"),
        "MM": f"{moment.month:02d}",
        "M": str(moment.month),
        "dd": f"{moment.day:02d}",
        "d": str(moment.day),
        "HH": f"{moment.hour:02d}",
        "H": str(moment.hour),
        "hh": f"{hour12:02d}",
        "h": str(hour12),
        "mm": f"{moment.minute:02d}",
        "m": str(moment.minute),
        "ss": f"{moment.second:02d}",
        "s": str(moment.second),
        "a": "AM" if moment.hour < 12 else "PM",
    }

    def piece(match: re.Match[str]) -> str:
        token = match.group(0)
        return token[1:-1] if token.startswith("'") else parts[token]

    return _PATTERN.sub(piece, pattern)


def short_date(epoch: float | None) -> str:
    """The response date form of SelectRecipientData/GetLists (``5/11/09 9:43 AM``); empty for ``None``."""
    return "" if epoch is None else java_format(epoch, "M/d/yy h:mm a")


_REQUEST_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")


def parse_request_date(text: str) -> float:
    """Parse ``MM/dd/yyyy[ HH:mm[:ss][ a]]`` as GMT; raise ``ValueError`` on anything else."""
    match = _REQUEST_DATE.match(text.strip())
    if not match:
        raise ValueError(f"not a MM/dd/yyyy HH:mm:ss date: {text!r}")
    month, day, year, hour, minute, second, half = match.groups()
    hour_value = int(hour or 0)
    if half:
        if not 1 <= hour_value <= 12:
            raise ValueError(f"bad 12-hour time: {text!r}")
        hour_value = hour_value % 12 + (12 if half.upper() == "PM" else 0)
    moment = datetime(int(year), int(month), int(day), hour_value, int(minute or 0), int(second or 0), tzinfo=UTC)
    return moment.timestamp()
