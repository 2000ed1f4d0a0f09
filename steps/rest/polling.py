"""Waiting for a partner's asynchronous job (an import, an export, a batch): ask, wait, ask again, give up in time.

The first question is asked at once, the next after ``FIRST_WAIT_S``, and each wait after that is twice the one
before, up to the step's poll interval (``pollSeconds`` and the like). A job that is done in a moment (a small
import, a quick partner) is seen done in a moment, instead of after one full interval; a job that takes minutes
is asked about once an interval, as before, after a handful of quick early questions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from dataflow.errors import FatalError, JobKilled

FIRST_WAIT_S = 0.05
GROWTH = 2.0


def waits(longest: float) -> Iterator[float]:
    """The pauses between questions: ``FIRST_WAIT_S``, doubling, then ``longest`` forever."""
    wait = min(FIRST_WAIT_S, longest)
    while True:
        yield wait
        wait = min(longest, wait * GROWTH)


def wait_until(
    check: Callable[[], Any],
    done: Callable[[Any], bool],
    *,
    poll: float,
    timeout: float,
    what: str,
    cancel: threading.Event | None,
) -> Any:
    """Ask ``check()`` until ``done(answer)``: at once, then after growing pauses up to ``poll`` seconds apart;
    a kill stops the wait, and ``timeout`` seconds without ``done`` fail the job."""
    deadline = time.monotonic() + timeout
    cancel = cancel or threading.Event()
    for wait in waits(poll):
        answer = check()
        if done(answer):
            return answer
        if time.monotonic() > deadline:
            raise FatalError(f"{what} did not finish within {timeout:.0f} s")
        if cancel.wait(wait):
            raise JobKilled("the job was killed")
    raise AssertionError("unreachable")
