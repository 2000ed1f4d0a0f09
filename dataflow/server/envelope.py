"""The Gigya response envelope and the error codes ``dataflow serve`` answers with (gigya.md §3).

Every answer carries ``callId``, ``errorCode`` (0 = OK), ``apiVersion``, ``statusCode`` (``errorCode // 1000``),
``statusReason`` and ``time``; errors add ``errorMessage`` and ``errorDetails``. The HTTP status is 200 unless the
caller sent ``httpStatusCodes=true``, as Gigya does.
"""

from __future__ import annotations

import uuid
from typing import Any

from dataflow.clock import iso, utc_now

MESSAGES: dict[int, str] = {
    0: "OK",
    400001: "Invalid request format",
    400002: "Missing required parameter",
    400003: "Unique identifier exists",
    400006: "Invalid parameter value",
    400009: "Validation error",
    400093: "Invalid ApiKey parameter",
    400096: "Not supported",
    403002: "Request has expired",
    403003: "Invalid request signature",
    403004: "Duplicate nonce",
    403005: "Unauthorized user",
    403007: "Permission denied",
    403200: "Redundant Operation",
    404000: "Not found",
    500001: "General Server Error",
}

REASONS: dict[int, str] = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
}


class IdxError(Exception):
    """An API error; ``extra`` lands at the top level of the response (e.g. ``validationErrors``)."""

    def __init__(self, code: int, details: str | None = None, **extra: Any) -> None:
        self.code = code
        self.message = MESSAGES.get(code, "Error")
        self.details = details or self.message
        self.extra = extra
        super().__init__(f"{code} {self.message}: {self.details}")


def missing(name: str) -> IdxError:
    return IdxError(400002, f"Missing required parameter: {name}")


def invalid(details: str) -> IdxError:
    return IdxError(400006, details)


def not_found(details: str) -> IdxError:
    return IdxError(404000, details)


def status_of(error_code: int) -> int:
    return 200 if error_code == 0 else error_code // 1000


def envelope(error_code: int = 0, **fields: Any) -> dict[str, Any]:
    """A complete response body: the envelope first, then the method's own fields."""
    status = status_of(error_code)
    body: dict[str, Any] = {
        "callId": uuid.uuid4().hex,
        "errorCode": error_code,
        "apiVersion": 2,
        "statusCode": status,
        "statusReason": REASONS.get(status, "Error"),
        "time": iso(utc_now()),
    }
    body.update(fields)
    return body


def error_body(error: IdxError) -> dict[str, Any]:
    return envelope(error.code, errorMessage=error.message, errorDetails=error.details, **error.extra)
