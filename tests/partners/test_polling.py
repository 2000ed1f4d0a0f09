"""Waiting for a partner's asynchronous job: asked at once, then after pauses that start at 50 ms and double up to
the step's poll interval; a kill or the timeout ends the wait."""

from __future__ import annotations

import threading
from itertools import islice

import pytest

from dataflow.errors import FatalError, JobKilled
from steps.rest.polling import wait_until, waits


class RecordedPauses(threading.Event):
    """A cancel event that records the pauses asked of it and returns at once (``kill_after`` pauses: killed)."""

    def __init__(self, kill_after: int | None = None) -> None:
        super().__init__()
        self.pauses: list[float] = []
        self.kill_after = kill_after

    def wait(self, timeout: float | None = None) -> bool:
        self.pauses.append(float(timeout or 0))
        return self.kill_after is not None and len(self.pauses) >= self.kill_after


def test_pauses_start_short_and_double_up_to_the_poll_interval() -> None:
    assert list(islice(waits(2.0), 8)) == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    assert list(islice(waits(0.02), 3)) == [0.02, 0.02, 0.02]  # a poll interval under the first pause wins


def test_a_job_already_done_is_asked_about_once_without_a_pause() -> None:
    cancel = RecordedPauses()
    asked: list[int] = []
    answer = wait_until(
        lambda: asked.append(1) or "done", lambda a: a == "done", poll=5, timeout=60, what="job", cancel=cancel
    )
    assert answer == "done" and len(asked) == 1 and cancel.pauses == []


def test_a_job_done_on_the_fifth_question_waited_through_four_growing_pauses() -> None:
    cancel = RecordedPauses()
    answers = iter(["queued", "running", "running", "running", "done"])
    assert wait_until(lambda: next(answers), lambda a: a == "done", poll=0.3, timeout=60, what="x", cancel=cancel)
    assert cancel.pauses == [0.05, 0.1, 0.2, 0.3]


def test_a_kill_stops_the_wait() -> None:
    with pytest.raises(JobKilled):
        wait_until(lambda: "running", lambda a: False, poll=1, timeout=60, what="x", cancel=RecordedPauses(3))


def test_the_timeout_fails_the_job_with_what_was_waited_for() -> None:
    with pytest.raises(FatalError, match="Mailchimp batch 7 did not finish within 0 s"):
        wait_until(lambda: "running", lambda a: False, poll=1, timeout=0, what="Mailchimp batch 7", cancel=None)
