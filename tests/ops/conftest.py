"""Stores on both backends, a clock tests move by hand, and small flows built on test components.

Every test that takes ``store`` (or ``open_test_store``) runs twice: on an SQLite file in a temporary
DATAFLOW_HOME, and on a schema of its own in a real PostgreSQL server that the session starts (tests/postgres.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest

from dataflow.component import Record, RecordStep
from dataflow.runtime.jobs import JobService
from dataflow.settings import Settings
from dataflow.store import Store, open_store
from tests.helpers import registry as test_registry
from tests.postgres import PostgresServer


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


class Pause(RecordStep):
    """Sleeps ``seconds`` per record: a job that takes as long as a test needs, in any process."""

    type: ClassVar[str] = "test.pause"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"seconds": {"type": "number", "default": 0.2}},
    }

    def process(self, record: Record) -> Record:
        self.context.job.cancel_event.wait(self.params.get("seconds", 0.2))
        self.context.job.check_cancelled()
        return record


def ops_registry():
    return test_registry().extended({"test.gate": Gate, "test.failwhen": FailWhen, "test.pause": Pause})


def simple_flow(name: str, middle: str = "test.flag", records: int = 2, **params: Any) -> dict[str, Any]:
    source = {"records": [{"n": n} for n in range(1, records + 1)]}
    return {
        "name": name,
        "steps": [
            {"id": "src", "type": "test.source", "params": source, "next": ["mid"]},
            {"id": "mid", "type": middle, "params": params, "next": ["sink"]},
            {"id": "sink", "type": "test.collect", "params": {"name": name}},
        ],
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    """None for the SQLite file in DATAFLOW_HOME; a PostgreSQL URL whose search_path is a fresh schema."""
    if request.param == "sqlite":
        return None
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.url(server.new_schema())


@pytest.fixture
def open_test_store(store_url: str | None, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Opens the test's store (again: each call is a new handle on the same database), closed at the end."""
    opened: list[Store] = []

    def make() -> Store:
        opened.append(open_store(tmp_path / "home", store_url))
        return opened[-1]

    yield make
    for handle in opened:
        handle.close()


@pytest.fixture
def store(open_test_store: Callable[[], Store]) -> Store:
    return open_test_store()


@pytest.fixture
def service(store: Store, clock: FakeClock, tmp_path: Path) -> Iterator[JobService]:
    Gate.opened.clear()
    Gate.entered.clear()
    FailWhen.failing.clear()
    settings = Settings(retry_max_attempts=3, retry_backoff_seconds=60)
    yield JobService(store, settings, tmp_path / "jobs", clock=clock, environ={}, registry=ops_registry())
    Gate.opened.set()
