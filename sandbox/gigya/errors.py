"""Gigya error codes and the exception the method handlers raise.

A handler raises :class:`GigyaError`; the HTTP layer turns it into the standard envelope. The messages follow
the Gigya code table (gigya.md §3); ``statusCode`` is always ``errorCode // 1000``.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[int, str] = {
    0: "OK",
    301001: "Invalid data center",
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
    403006: "Secret Sent Over Http",
    403007: "Permission denied",
    403048: "Api rate limit exceeded",
    404000: "Not found",
    409030: "Concurrent updates not allowed",
    500001: "General Server Error",
    500028: "Database error",
    504001: "Timeout",
}

REASONS: dict[int, str] = {
    200: "OK",
    206: "Partial Content",
    301: "Moved Permanently",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# The transient codes a fault injector answers with by default (gigya.md §3: clients retry these).
TRANSIENT_CODES: tuple[int, ...] = (403048, 500001, 504001)


def status_of(error_code: int) -> int:
    """The HTTP-like ``statusCode`` of an error code."""
    return 200 if error_code == 0 else error_code // 1000


class GigyaError(Exception):
    """An API error; ``extra`` lands at the top level of the response (e.g. ``validationErrors``)."""

    def __init__(self, code: int, details: str | None = None, *, message: str | None = None, **extra: Any) -> None:
        self.code = code
        self.message = message or MESSAGES.get(code, "Error")
        self.details = details or self.message
        self.extra = extra
        super().__init__(f"{code} {self.message}: {self.details}")


def missing(name: str) -> GigyaError:
    return GigyaError(400002, f"Missing required parameter: {name}")


def invalid(details: str) -> GigyaError:
    return GigyaError(400006, details)
