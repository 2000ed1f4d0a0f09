"""Exceptions named by how the runner recovers from them.

Components raise these; the runner decides what happens next, so a component never has to know
about error paths, retries or job status:

- ``RecordError``: this one record (or file) is bad; route it down the step's ``error`` path (or into the
  job's error file) with the reason, and go on with the rest.
- ``RetriableError``: a transient failure (rate limit, 5xx, timeout); back off and try again.
- ``FatalError``: the job cannot go on (bad credentials, unreachable host); fail the job with the message.
- ``FlowInvalid``: the dataflow itself is wrong; nothing runs.
"""

from __future__ import annotations

from typing import Any


class DataflowError(Exception):
    """Base class of every error the engine raises on purpose."""


class RecordError(DataflowError):
    """One record or file failed in a step; the job goes on without it."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class RetriableError(DataflowError):
    """A transient failure worth retrying after a back-off."""


class FatalError(DataflowError):
    """The job cannot continue; the message says why (and never holds a secret)."""


class FlowInvalid(DataflowError):
    """A dataflow failed validation; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics: list[Any]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s) in the dataflow")
        self.diagnostics = diagnostics


class JobKilled(DataflowError):
    """The job was stopped on request (signal or kill command)."""
