"""Fixtures that run the Silverpop sandbox in-process on free loopback ports and stop it afterwards.

The sandbox gets a :class:`ManualClock` and no job ticker, so tokens expire and jobs move only when a test
moves the clock (or steps a job): every test is deterministic and none of them sleeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sandbox.silverpop import ManualClock, SilverpopConfig, SilverpopSandbox
from tests.sandbox_silverpop.client import XmlClient

SandboxFactory = Callable[..., SilverpopSandbox]


@pytest.fixture
def silverpop_clock() -> ManualClock:
    return ManualClock(1_700_000_000.0)


@pytest.fixture
def silverpop_factory(silverpop_clock: ManualClock) -> Iterator[SandboxFactory]:
    """``factory(config=None, **config_fields)`` -> a started sandbox sharing ``silverpop_clock``."""
    started: list[SilverpopSandbox] = []

    def factory(config: SilverpopConfig | None = None, **fields: Any) -> SilverpopSandbox:
        fields.setdefault("job_waiting_s", 10.0)
        fields.setdefault("job_running_s", 10.0)
        sandbox = SilverpopSandbox(config or SilverpopConfig(**fields), clock=silverpop_clock, tick_s=None)
        started.append(sandbox.start())
        return sandbox

    yield factory
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def silverpop(silverpop_factory: SandboxFactory) -> SilverpopSandbox:
    return silverpop_factory()


@pytest.fixture
def sp_client(silverpop: SilverpopSandbox) -> XmlClient:
    return XmlClient(silverpop)
