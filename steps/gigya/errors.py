"""Gigya error codes sorted by how a sync recovers from them (gigya.md §3, identitysync.md §3.5).

- transient (rate limits, server errors, timeouts, concurrent updates): back off and send again;
- credentials and permissions: nothing this job does will fix them, so the job fails at once;
- anything else is about the one record (or query) the call was made for.
"""

from __future__ import annotations

from typing import Any

from dataflow.errors import FatalError, RecordError

TRANSIENT = frozenset(
    {
        403048,  # API rate limit exceeded
        409030,  # concurrent updates not allowed
        500001,  # general server error
        500026,  # network error
        500028,  # database error
        503001,  # too many calls for one UID (5 a minute on imports)
        504001,  # server-side timeout (searches: resend the same cursorId)
        504002,  # request timeout
    }
)
DUPLICATE_NONCE = 403004  # sent again with a fresh nonce: transient too
EXPIRED = 403002  # clock skew: transient once (the next attempt carries a new timestamp)

FATAL = frozenset({400093, 403003, 403006, 403007, 403010})
UNAUTHORIZED_USER = 403005  # an unknown UID in a call about one; otherwise the user key is not authorized
INVALID_DATA_CENTER = 301001
MEANINGS = {
    400093: "invalid apiKey",
    403002: "the request expired: check this machine's clock",
    403003: "invalid request signature: wrong secret?",
    403005: "the user key is not authorized for this site",
    403006: "secret sent over http",
    403007: "permission denied for this user key",
    403010: "invalid secret",
}


def is_transient(code: int) -> bool:
    return code in TRANSIENT or code == DUPLICATE_NONCE


def response_summary(response: dict[str, Any]) -> dict[str, Any]:
    """The parts of an envelope worth keeping on a record as ``_response``: never a secret, never the payload."""
    summary = {key: response[key] for key in ("errorCode", "errorMessage", "errorDetails", "callId") if key in response}
    if "validationErrors" in response:
        summary["validationErrors"] = response["validationErrors"]
    summary.setdefault("errorCode", 0)
    return summary


class GigyaApiError(RecordError):
    """A call Gigya answered with an error about this record or query (or kept refusing after every retry)."""

    def __init__(self, method: str, response: dict[str, Any], attempts: int = 1) -> None:
        self.method = method
        self.response = dict(response)  # the whole envelope, as IdentitySync keeps it in _response
        self.code = int(response.get("errorCode") or 0)
        self.attempts = attempts
        self.uncertain = False  # an earlier attempt got no answer: it may have been applied
        text = str(response.get("errorMessage") or "error")
        details = response.get("errorDetails")
        if isinstance(details, str) and details:
            text = details if details.startswith(text) else f"{text}: {details}"
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(
            f"{method} failed{tries}: {self.code} {text}", errorCode=self.code, callId=response.get("callId")
        )


class GigyaAuthError(FatalError):
    """Gigya refused the site credentials or this key's permissions: the job cannot do anything useful."""

    def __init__(self, method: str, response: dict[str, Any], site: str) -> None:
        code = int(response.get("errorCode") or 0)
        meaning = MEANINGS.get(code, "the credentials were refused")
        message = str(response.get("errorMessage") or meaning)
        hint = "" if meaning.lower().startswith(message.lower()) else f" ({meaning})"
        super().__init__(f"Gigya refused {method} for {site}: {code} {message}{hint}; callId {response.get('callId')}")
        self.code = code
        self.response = response_summary(response)


class GigyaUnavailable(FatalError):
    """Gigya could not be reached (or kept failing) for every attempt the retry policy allows."""
