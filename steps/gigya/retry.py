"""Exponential back-off with jitter, interruptible by a job kill.

Jitter matters because writers run up to ``maxConnections`` calls at once: after a rate-limit answer they
would otherwise all come back at the same instant and trip the limit again. Each delay is drawn from
``[cap/2, cap]`` where ``cap = min(max_delay, base * 2**retry)`` ("equal jitter"), so retries spread out
without ever collapsing to zero.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from dataflow.errors import JobKilled

DEFAULT_RETRIES = 10  # 20% transient faults: 0.2**11 ≈ 2e-8 chance a call exhausts them
DEFAULT_BASE_DELAY = 0.5  # seconds before the first retry (about; jitter halves it at worst)
DEFAULT_MAX_DELAY = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = DEFAULT_RETRIES
    base_delay: float = DEFAULT_BASE_DELAY
    max_delay: float = DEFAULT_MAX_DELAY

    @property
    def attempts(self) -> int:
        return self.retries + 1

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first)."""
        cap = min(self.max_delay, self.base_delay * (2 ** (retry - 1)))
        return cap / 2 + random.random() * cap / 2

    def wait(self, retry: int, cancel: threading.Event | None) -> None:
        """Sleep before a retry; a killed job stops waiting at once."""
        seconds = self.delay(retry)
        if cancel is None:
            threading.Event().wait(seconds)
        elif cancel.wait(seconds):
            raise JobKilled("the job was killed")
