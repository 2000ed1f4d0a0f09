"""Time sources for the sandbox.

Everything that depends on "now" (signature skew, cursor TTL, ``lastUpdated`` bumps, audit rows, the HTTP
``Date`` header) reads one injectable clock, so tests can expire a cursor or a signature without sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time, in seconds since the epoch (float)."""

    def now(self) -> float:
        return time.time()

    def now_ms(self) -> int:
        return int(self.now() * 1000)


class ManualClock(Clock):
    """A clock that only moves when told to; thread-safe."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, when: float) -> None:
        with self._lock:
            self._now = float(when)


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
