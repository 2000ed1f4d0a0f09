"""A store in a temporary DATAFLOW_HOME, a clock tests move by hand, and small flows built on test components."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from dataflow.component import Record, RecordStep
from dataflow.runtime.jobs import JobService
from dataflow.settings import Settings
from dataflow.store import Store, open_store
from tests.helpers import registry as test_registry


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self.now = moment

    def advance(self, **delta: float) -> None:
        with self._lock:
            self.now = self.now + timedelta(**delta)


class Gate(RecordStep):
    """Blocks every batch until the test opens the gate: a job that stays running as long as a test wants."""

    type: ClassVar[str] = "test.gate"
    params_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    opened = threading.Event()
    entered = threading.Event()

    def process(self, record: Record) -> Record:
        Gate.entered.set()
        if not Gate.opened.wait(timeout=30):
            raise TimeoutError("the test never opened the gate")
        self.context.job.check_cancelled()
        return record


class FailWhen(RecordStep):
    """Fails the whole job while ``FailWhen.failing`` is set (a broken downstream service, say)."""

    type: ClassVar[str] = "test.failwhen"
    params_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    failing = threading.Event()

    def process(self, record: Record) -> Record:
        if FailWhen.failing.is_set():
            raise ConnectionError("the service is down")
        return record


def ops_registry():
    return test_registry().extended({"test.gate": Gate, "test.failwhen": FailWhen})


def simple_flow(name: str, middle: str = "test.flag") -> dict[str, Any]:
    return {
        "name": name,
        "steps": [
            {"id": "src", "type": "test.source", "params": {"records": [{"n": 1}, {"n": 2}]}, "next": ["mid"]},
            {"id": "mid", "type": middle, "params": {}, "next": ["sink"]},
            {"id": "sink", "type": "test.collect", "params": {"name": name}},
        ],
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "home")


@pytest.fixture
def service(store: Store, clock: FakeClock, tmp_path: Path) -> Iterator[JobService]:
    Gate.opened.clear()
    Gate.entered.clear()
    FailWhen.failing.clear()
    settings = Settings(retry_max_attempts=3, retry_backoff_seconds=60)
    yield JobService(store, settings, tmp_path / "jobs", clock=clock, environ={}, registry=ops_registry())
    Gate.opened.set()
