"""Fixtures that start the Gigya sandbox: in-process on a free loopback port, or as a subprocess via the CLI.

def test_x(gigya_sandbox, gigya_client): ...        # 200 accounts, seed 7, real clock
def test_y(clocked_sandbox, gigya_clock): ...       # the same with a ManualClock you advance
def test_z(sandbox_factory): sandbox_factory(accounts=5, fault_rate=0.5)   # any settings, stopped after
def test_w(gigya_cli): gigya_cli["url"]             # `dataflow sandbox gigya --port 0`, its JSON line
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sandbox.gigya import GigyaSandbox, ManualClock
from tests.sandbox.client import Client

DEFAULT_ACCOUNTS, DEFAULT_SEED = 200, 7


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., GigyaSandbox]]:
    started: list[GigyaSandbox] = []

    def make(**options: Any) -> GigyaSandbox:
        options.setdefault("accounts", DEFAULT_ACCOUNTS)
        options.setdefault("seed", DEFAULT_SEED)
        sandbox = GigyaSandbox(host="127.0.0.1", port=0, **options).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def gigya_sandbox(sandbox_factory: Callable[..., GigyaSandbox]) -> GigyaSandbox:
    return sandbox_factory()


@pytest.fixture
def gigya_clock() -> ManualClock:
    return ManualClock(1_750_000_000.0)


@pytest.fixture
def clocked_sandbox(sandbox_factory: Callable[..., GigyaSandbox], gigya_clock: ManualClock) -> GigyaSandbox:
    return sandbox_factory(clock=gigya_clock)


@pytest.fixture
def gigya_client(gigya_sandbox: GigyaSandbox) -> Client:
    return Client.of(gigya_sandbox.credentials)


@pytest.fixture
def clocked_client(clocked_sandbox: GigyaSandbox) -> Client:
    return Client.of(clocked_sandbox.credentials)


@pytest.fixture
def gigya_cli() -> Iterator[dict[str, Any]]:
    """``dataflow sandbox gigya --port 0`` in a subprocess; yields its JSON line plus ``process``."""
    command = [sys.executable, "-m", "dataflow.cli.main", "sandbox", "gigya", "--port", "0", "--accounts", "50"]
    process = subprocess.Popen(
        [*command, "--seed", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else "no output"
        info = json.loads(line)
        yield {**info, "process": process, "line": line}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
