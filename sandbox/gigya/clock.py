"""Time sources for the sandbox.

Everything that depends on "now" (signature skew, cursor TTL, ``lastUpdated`` bumps, audit rows, the HTTP
``Date`` header) reads one injectable clock, so tests can expire a cursor or a signature without sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.clock import Clock, ManualClock

__all__ = ["Clock", "ManualClock", "iso_ms", "parse_iso_ms"]


def iso_ms(epoch_ms: int) -> str:
    """Gigya's ISO-8601 form: UTC with milliseconds and a ``Z`` (``2017-05-04T09:14:35.008Z``)."""
    seconds, millis = divmod(int(epoch_ms), 1000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{millis:03d}Z"


def parse_iso_ms(text: str) -> int | None:
    """The epoch-ms of an ISO date or date-time string (``Z`` or offset; a bare date is midnight UTC)."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)
