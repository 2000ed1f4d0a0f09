"""Seeded fault draws and the concurrent-request cap.

The draws come from one ``random.Random`` behind a lock, so a given seed and call order always fault the same
calls. Faults are decided *before* a call touches the store, which is what guarantees that a faulted call
applies nothing. The cap rejects the 11th concurrent request immediately (Acoustic rejects, it does not queue);
``hold()`` lets a test park requests inside the cap to hit it deterministically.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.silverpop.config import FaultConfig


class FaultInjector:
    def __init__(self, config: FaultConfig, seed: int) -> None:
        self.config = config
        self._rng = random.Random(f"silverpop-faults/{config.seed if config.seed is not None else seed}")
        self._lock = threading.Lock()
        self._in_flight = 0
        self._gate = threading.Event()
        self._gate.set()
        self.counts: dict[str, int] = {
            "server_error": 0,
            "token_expiry": 0,
            "job_error": 0,
            "concurrency": 0,
            "lost_answer": 0,
        }

    def draw(self, kind: str, rate: float) -> bool:
        """One Bernoulli draw; the stream advances only for rates above zero (keeps runs comparable)."""
        if rate <= 0:
            return False
        with self._lock:
            hit = self._rng.random() < rate
            if hit:
                self.counts[kind] += 1
            return hit

    def enter(self) -> bool:
        """Take a request slot; ``False`` (and counted) when ``max_concurrent`` are already in flight."""
        with self._lock:
            cap = self.config.max_concurrent
            if cap and self._in_flight >= cap:
                self.counts["concurrency"] += 1
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def wait_gate(self, timeout: float = 30.0) -> None:
        self._gate.wait(timeout)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Park every admitted ``/XMLAPI`` request until the block exits (they still count as in flight)."""
        self._gate.clear()
        try:
            yield
        finally:
            self._gate.set()
