"""Waiting for a partner's asynchronous job (an import, an export, a batch): ask, wait, ask again, give up in time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from dataflow.errors import FatalError, JobKilled


def wait_until(
    check: Callable[[], Any],
    done: Callable[[Any], bool],
    *,
    poll: float,
    timeout: float,
    what: str,
    cancel: threading.Event | None,
) -> Any:
    """Ask ``check()`` until ``done(answer)``: at once first, then every ``poll`` seconds; a kill stops the wait."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if done(answer):
            return answer
        if time.monotonic() > deadline:
            raise FatalError(f"{what} did not finish within {timeout:.0f} s")
        if (cancel or threading.Event()).wait(poll):
            raise JobKilled("the job was killed")
