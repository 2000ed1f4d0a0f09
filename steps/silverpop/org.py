"""What one Silverpop org shares across every step (and job) in this process: its token and its call budget.

Acoustic allows 10 concurrent API requests per org and *rejects* the 11th rather than queueing it
(silverpop.md §6). The cap is per org, not per step, so two Silverpop steps in one job (or two jobs in the
scheduler) must share it: :class:`Gate` is a semaphore held in a process-wide registry keyed by the org, and
so is the access token, which every step of that org can reuse until it ages out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from dataflow.retry import RetryPolicy
from steps.silverpop.oauth import TokenProvider
from steps.silverpop.settings import Settings

MAX_CONCURRENT_REQUESTS = 10


class Gate:
    """At most ``limit`` calls in flight; ``peak`` records the most ever seen at once (tests, traces)."""

    def __init__(self, limit: int = MAX_CONCURRENT_REQUESTS) -> None:
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        self._slots.acquire()
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1
            self._slots.release()


class Org:
    """One org's gate and token; several credentials of one org share the gate but not the token."""

    def __init__(self, gate: Gate, tokens: TokenProvider) -> None:
        self.gate = gate
        self.tokens = tokens


_GATES: dict[tuple[str, str], Gate] = {}
_TOKENS: dict[tuple[str, str, str, str], TokenProvider] = {}
_LOCK = threading.Lock()


def org_for(settings: Settings, retry: RetryPolicy | None = None) -> Org:
    """The shared state of the org ``settings`` names (created on first use)."""
    credentials = (settings.token_url, settings.client_id, settings.client_secret, settings.refresh_token)
    with _LOCK:
        gate = _GATES.get(settings.org_key)
        if gate is None:
            gate = _GATES[settings.org_key] = Gate()
        tokens = _TOKENS.get(credentials)
        if tokens is None:
            tokens = _TOKENS[credentials] = TokenProvider(settings, requests.Session(), retry)
        return Org(gate, tokens)
