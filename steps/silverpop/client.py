"""The Silverpop XML API client: form POST of ``xml=``, Bearer token, retries by recovery, the org's 10-call cap.

``call`` sends one operation and returns its RESULT element, or raises by recovery:

- 401 (or an empty 200 body, or fault 145 "session expired"): the token is handed back and the call is sent
  again with a fresh one; the PHP, .NET and Java clients all do this (silverpop.md §2.1);
- 429, 5xx, fault 50 "Server Error" and transport failures: sent again after a jittered back-off;
- any other fault: :class:`SilverpopFault` at once, since sending it again would get the same answer.

Every attempt holds one of the org's ten slots (``org.Gate``) for the length of the HTTP exchange, and the
slot is given back while waiting to retry. Access tokens are registered with the job's redactor as they are
issued, because an SFTP login uses one as a password.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter

from dataflow.retry import RetryPolicy, retry_after
from steps.silverpop import xmlapi
from steps.silverpop.errors import (
    RETRIABLE_FAULTS,
    SESSION_FAULTS,
    SilverpopAuthError,
    SilverpopFault,
    SilverpopUnavailable,
)
from steps.silverpop.org import Org, org_for
from steps.silverpop.settings import Settings

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 300.0  # a GetJobStatus can wait behind a large import on the server side
_RETRY_HTTP = frozenset({408, 429, 500, 502, 503, 504})
_TRANSPORT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
_FORM = "application/x-www-form-urlencoded; charset=UTF-8"


class SilverpopClient:
    def __init__(
        self,
        settings: Settings,
        *,
        org: Org | None = None,
        retry: RetryPolicy | None = None,
        cancel: threading.Event | None = None,
        log: Callable[[str, str], None] | None = None,
        on_token: Callable[[str], None] | None = None,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self.org = org or org_for(settings, self.retry)
        self.cancel = cancel
        self.timeout = timeout
        self._log = log
        self._on_token = on_token
        self._seen_tokens: set[str] = set()
        self.session = requests.Session()
        self.session.trust_env = False  # proxies and CA bundles are read once below, not on every call
        self.session.proxies.update(requests.utils.get_environ_proxies(settings.api_url))
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.org.gate.limit, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._lock = threading.Lock()
        self.calls = 0
        self.retried: Counter[str] = Counter()

    # public ------------------------------------------------------------------------------------------
    def token(self) -> str:
        """The org's current access token (also the SFTP password of the ``oauth`` user)."""
        token = self.org.tokens.token(self.cancel)
        if token not in self._seen_tokens:
            self._seen_tokens.add(token)
            if self._on_token is not None:
                self._on_token(token)
        return token

    def invalidate(self, token: str) -> None:
        self.org.tokens.invalidate(token)

    def call(self, op: xmlapi.Element) -> xmlapi.Element:
        """Send one operation; its RESULT element on success."""
        name = op.tag
        body = urlencode({"xml": xmlapi.envelope(op)}).encode("ascii")
        for attempt in range(1, self.retry.attempts + 1):
            token = self.token()
            outcome = self._attempt(name, body, token)
            if isinstance(outcome, xmlapi.Element):
                return outcome
            reason, floor, session_lost = outcome
            with self._lock:
                self.retried[reason] += 1
            if session_lost:
                self.invalidate(token)
            if attempt == self.retry.attempts:
                if session_lost:
                    raise SilverpopAuthError(
                        f"Silverpop {name} at {self.settings.api_url} refused {attempt} fresh access tokens in a row"
                    )
                raise SilverpopUnavailable(
                    f"Silverpop {name} at {self.settings.api_url} failed after {attempt} attempts (last: {reason})"
                )
            if self._log is not None:
                self._log("debug", f"{name}: attempt {attempt} failed ({reason}); retrying")
            if not session_lost:
                self.retry.wait(attempt, self.cancel, floor)
        raise AssertionError("unreachable")

    def summary(self) -> str:
        stats = self.org.tokens.stats
        tokens = (
            f"tokens issued {stats.issued} (renewed early {stats.proactive}, after refusal {stats.after_rejection})"
        )
        retried = sum(self.retried.values())
        if not retried:
            return f"{self.calls:,} Silverpop calls, none retried; {tokens}"
        reasons = ", ".join(f"{reason} ×{count:,}" for reason, count in sorted(self.retried.items()))
        return f"{self.calls:,} Silverpop calls, {retried:,} retried ({reasons}); {tokens}"

    def close(self) -> None:
        self.session.close()

    # one attempt ---------------------------------------------------------------------------------------
    def _attempt(self, name: str, body: bytes, token: str) -> xmlapi.Element | tuple[str, float, bool]:
        """The RESULT, or ``(reason, Retry-After floor, session lost)`` for an attempt worth repeating."""
        headers = {"Content-Type": _FORM, "Authorization": f"Bearer {token}", "Accept": "text/xml"}
        with self.org.gate.slot():
            with self._lock:
                self.calls += 1
            try:
                reply = self.session.post(self.settings.api_url, data=body, headers=headers, timeout=self.timeout)
                content = reply.content
            except _TRANSPORT as problem:
                return type(problem).__name__, 0.0, False
            except requests.RequestException as problem:
                raise SilverpopUnavailable(
                    f"cannot call Silverpop at {self.settings.api_url}: {type(problem).__name__}"
                ) from None
        status = reply.status_code
        if status == 401:
            return "HTTP 401", 0.0, True
        if status in _RETRY_HTTP:
            return f"HTTP {status}", retry_after(reply.headers.get("Retry-After")), False
        if status != 200:
            raise SilverpopUnavailable(
                f"HTTP {status} from {self.settings.api_url} is not a Silverpop answer; check apiUrl or podNumber"
            )
        if not content.strip():
            return "empty answer", 0.0, True  # the Java client's "session lost"
        try:
            answer = xmlapi.parse_answer(content)
        except xmlapi.BadAnswer as problem:
            return f"unreadable answer: {problem}", 0.0, False
        if answer.ok:
            assert answer.result is not None
            return answer.result
        assert answer.fault is not None
        message, errorid, error_class = answer.fault
        if errorid in SESSION_FAULTS:
            return f"fault {errorid}", 0.0, True
        if errorid in RETRIABLE_FAULTS:
            return f"fault {errorid}", 0.0, False
        raise SilverpopFault(name, message, errorid, error_class)
