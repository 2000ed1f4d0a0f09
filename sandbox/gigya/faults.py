"""Fault injection: transient error answers, dropped connections and added latency, from a seeded random source.

An error answer or a dropped connection is decided *before* its method runs, so it never applies its change: a
client that retries a faulted ``setAccountInfo`` writes once. A *lost answer* is the other half of a dropped
connection, the one that makes retries of non-idempotent calls dangerous: the call is carried out and then the
connection closes before the answer is sent, so the client cannot tell it from a drop. ``fail_next`` queues
exact faults for tests that need one specific call to fail (e.g. the third search page).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, replace

from sandbox.gigya.errors import TRANSIENT_CODES

DROP = "drop"
LOST = "lost"


@dataclass(frozen=True)
class FaultSettings:
    rate: float = 0.0
    """Share of calls answered with one of ``codes`` (chosen uniformly)."""
    codes: tuple[int, ...] = TRANSIENT_CODES
    drop_rate: float = 0.0
    """Share of calls whose connection is closed without any response (the call is not carried out)."""
    lost_rate: float = 0.0
    """Share of calls carried out whose connection is then closed without the answer."""
    latency_ms: float = 0.0
    """Added to every call, faulted or not."""
    methods: frozenset[str] | None = None
    """Only these methods are faulted; None means all."""
    seed: int = 1


@dataclass(frozen=True)
class Fault:
    kind: str  # "error" | "drop" | "lost"
    code: int = 0


class FaultInjector:
    def __init__(self, settings: FaultSettings | None = None) -> None:
        self.settings = settings or FaultSettings()
        self._rng = random.Random(self.settings.seed)
        self._queue: deque[tuple[Fault, str | None]] = deque()
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def configure(self, **changes: object) -> FaultSettings:
        """Change settings (``rate=0.1``, ``codes=(500001,)``, ``drop_rate=…``, ``lost_rate=…``, ``latency_ms=…``,
        ``methods=…``, ``seed=…``); a new seed restarts the random sequence."""
        with self._lock:
            if "methods" in changes and changes["methods"] is not None:
                changes["methods"] = frozenset(changes["methods"])  # type: ignore[arg-type]
            if "codes" in changes:
                changes["codes"] = tuple(changes["codes"])  # type: ignore[arg-type]
            self.settings = replace(self.settings, **changes)  # type: ignore[arg-type]
            if "seed" in changes:
                self._rng = random.Random(self.settings.seed)
            return self.settings

    def fail_next(self, what: int | str, *, count: int = 1, method: str | None = None) -> None:
        """Queue ``count`` faults (an error code, ``"drop"`` or ``"lost"``) for the next calls (of ``method``)."""
        fault = Fault(what) if what in (DROP, LOST) else Fault("error", int(what))
        with self._lock:
            self._queue.extend((fault, method) for _ in range(count))

    def delay(self) -> None:
        latency = self.settings.latency_ms
        if latency > 0:
            time.sleep(latency / 1000)

    def decide(self, method: str) -> Fault | None:
        with self._lock:
            self.counts["calls"] += 1
            for position, (fault, only) in enumerate(self._queue):
                if only is None or only == method:
                    del self._queue[position]
                    return self._count(fault)
            settings = self.settings
            if settings.methods is not None and method not in settings.methods:
                return None
            if settings.rate <= 0 and settings.drop_rate <= 0 and settings.lost_rate <= 0:
                return None
            roll = self._rng.random()
            if roll < settings.drop_rate:
                return self._count(Fault(DROP))
            if roll < settings.drop_rate + settings.lost_rate:
                return self._count(Fault(LOST))
            if roll < settings.drop_rate + settings.lost_rate + settings.rate and settings.codes:
                return self._count(Fault("error", settings.codes[self._rng.randrange(len(settings.codes))]))
            return None

    def _count(self, fault: Fault) -> Fault:
        kinds = {DROP: "drops", LOST: "lost"}
        self.counts[kinds.get(fault.kind, f"error:{fault.code}")] += 1
        return fault
