"""How a partner's answer is classified, and the errors the REST client raises by recovery."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataflow.errors import FatalError, RetriableError

OK, RETRY, RENEW, FAIL = "ok", "retry", "renew", "fail"


@dataclass(frozen=True)
class Verdict:
    """What to do with one answer: ``OK``, ``RETRY`` (after a back-off), ``RENEW`` (the token) or ``FAIL``."""

    action: str
    reason: str = ""
    retry_after: float = 0.0


class PartnerError(Exception):
    """The partner refused a call for good (4xx, or an error code that retrying will not change).

    ``status`` is the HTTP status, ``message`` the partner's own words, ``body`` its parsed answer.
    """

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(message)
        self.status, self.message, self.body = status, message, body


class PartnerUnavailable(RetriableError, FatalError):
    """Retries ran out (rate limits, 5xx, transport failures): the job fails with the last reason."""


class PartnerAuthError(FatalError):
    """The partner refused the credentials, or refused every fresh token."""
