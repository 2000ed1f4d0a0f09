"""Silverpop failures, named by how a job recovers from them.

The client retries what a retry can fix (5xx, 429, dropped connections, an expired token) before anything here
is raised, so every class below means "retrying this call will not help":

- :class:`SilverpopAuthError`: the OAuth application or refresh token was refused; fix the credentials.
- :class:`SilverpopUnavailable`: the server stayed unreachable or kept failing through every retry.
- :class:`SilverpopFault`: the XML API answered with a Fault (unknown list, bad XML, ...); ``errorid`` and
  ``error_class`` are Silverpop's own.
- :class:`JobFailed`: a data job (import, export, join) ended in ERROR or CANCELLED.

All are ``FatalError``: a failed call or job affects every record of the step alike. Row-level problems
(a rejected import row, a failed relational row) never raise; the components reject those rows instead.
Messages name the operation, the host and Silverpop's words, never a secret.
"""

from __future__ import annotations

from dataflow.errors import FatalError


class SilverpopError(FatalError):
    """Base of every Silverpop failure."""


class SilverpopAuthError(SilverpopError):
    """The OAuth token endpoint refused the client id, client secret or refresh token."""


class SilverpopUnavailable(SilverpopError):
    """No usable answer through every retry (transport failures, 5xx, 429)."""


class SilverpopFault(SilverpopError):
    """The XML API answered ``SUCCESS=false`` with a Fault."""

    def __init__(self, operation: str, fault_string: str, errorid: int | None, error_class: str | None) -> None:
        where = f"errorid {errorid}" if errorid is not None else "no errorid"
        if error_class:
            where += f", {error_class}"
        super().__init__(f"Silverpop {operation} failed: {fault_string or 'no reason given'} ({where})")
        self.operation = operation
        self.fault_string = fault_string
        self.errorid = errorid
        self.error_class = error_class


class JobFailed(SilverpopError):
    """A Silverpop data job ended in ERROR or CANCELLED; ``reason`` is what Silverpop said, when it said it."""

    def __init__(
        self,
        job_id: int,
        status: str,
        description: str,
        reason: str | None,
        parameters: dict[str, str] | None = None,
    ) -> None:
        text = f"Silverpop job {job_id} ({description or 'data job'}) ended {status}"
        super().__init__(f"{text}: {reason}" if reason else text)
        self.job_id = job_id
        self.status = status
        self.description = description
        self.reason = reason
        self.parameters = parameters or {}


# errorid values worth another attempt: 50 is Silverpop's generic "Server Error"; 145 is "session expired"
# (the Java client logs in again on it; with OAuth it means: get a new token).
RETRIABLE_FAULTS = frozenset({50})
SESSION_FAULTS = frozenset({145})
