"""Seeded faults for the partner stand-ins: rate limits, server errors and expired tokens.

A fault is decided *before* the call touches any state, so a client that retries a faulted write applies it once.
``fail_next`` queues exact faults (optionally only for paths containing some text) for tests that need one
particular call to fail; the rates draw from one seeded ``random.Random`` so a seed and call order always fault
the same calls. Each partner renders a fault in its own words (Marketo: code 606 in a 200; Mailchimp: a 429
problem document), so this module only decides which kind.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from dataclasses import dataclass

RATE_LIMIT, SERVER_ERROR, EXPIRED_TOKEN = "rate_limit", "server_error", "expired_token"
KINDS = (RATE_LIMIT, SERVER_ERROR, EXPIRED_TOKEN)


@dataclass
class FaultRates:
    rate_limit: float = 0.0
    server_error: float = 0.0
    expired_token: float = 0.0
    retry_after_s: int = 1
    """The ``Retry-After`` a rate-limit answer carries (seconds)."""


class Faults:
    def __init__(self, rates: FaultRates | None = None, seed: int = 1) -> None:
        self.rates = rates or FaultRates()
        self._rng = random.Random(f"partner-faults/{seed}")
        self._queue: deque[tuple[str, str | None]] = deque()
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def fail_next(self, kind: str, count: int = 1, path_contains: str | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(KINDS)}")
        with self._lock:
            self._queue.extend((kind, path_contains) for _ in range(count))

    def set_rates(self, **rates: float) -> None:
        with self._lock:
            for name, value in rates.items():
                if not hasattr(self.rates, name):
                    raise ValueError(f"unknown fault rate {name!r}")
                setattr(self.rates, name, value)

    def draw(self, path: str) -> str | None:
        with self._lock:
            self.counts["calls"] += 1
            for position, (kind, only) in enumerate(self._queue):
                if only is None or only in path:
                    del self._queue[position]
                    self.counts[kind] += 1
                    return kind
            for kind in KINDS:
                rate = getattr(self.rates, kind)
                if rate > 0 and self._rng.random() < rate:
                    self.counts[kind] += 1
                    return kind
            return None
