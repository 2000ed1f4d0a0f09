"""Back-off for retriable errors (rate limits, 5xx, timeouts): exponential with jitter, stopped by a kill.

Every connector retries through this one policy. Jitter matters because writers run up to ``maxConnections``
calls at once: after a burst of rate-limit answers they would otherwise all come back at the same instant and
trip the limit again. Each delay is drawn from ``[cap/2, cap]`` with ``cap = min(max_delay, base * 2**(retry-1))``
("equal jitter"), so retries spread out without collapsing to zero; a ``Retry-After`` the server sent is a floor.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from dataflow.errors import JobKilled

DEFAULT_RETRIES = 10  # at 20% transient faults, 0.2**11 ≈ 2e-8: a call practically never exhausts them
DEFAULT_BASE_DELAY = 0.5
DEFAULT_MAX_DELAY = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = DEFAULT_RETRIES
    base_delay: float = DEFAULT_BASE_DELAY
    max_delay: float = DEFAULT_MAX_DELAY

    @property
    def attempts(self) -> int:
        return self.retries + 1

    def delay(self, retry: int, floor: float = 0.0) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first); never less than ``floor``."""
        cap = min(self.max_delay, self.base_delay * (2 ** max(0, retry - 1)))
        return max(floor, cap / 2 + random.random() * cap / 2)

    def wait(self, retry: int, cancel: threading.Event | None, floor: float = 0.0) -> None:
        """Sleep before a retry; a killed job stops waiting at once."""
        seconds = self.delay(retry, min(floor, self.max_delay))
        if cancel is None:
            threading.Event().wait(seconds)
        elif cancel.wait(seconds):
            raise JobKilled("the job was killed")


def retry_after(header: str | None) -> float:
    """Seconds from a ``Retry-After`` header (delta-seconds form only); 0 when absent or unreadable."""
    if not header:
        return 0.0
    try:
        return max(0.0, float(header.strip()))
    except ValueError:
        return 0.0
