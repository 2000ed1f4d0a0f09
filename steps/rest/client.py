"""``RestClient``: one partner's HTTP calls, retried by the engine's one policy and re-authenticated on expiry.

Every answer is classified (``classify``, overridable per partner because Marketo reports a rate limit as code 606
inside an HTTP 200, say):

- ``OK``: returned;
- ``RETRY`` (429, 408, 5xx, transport failures by default): sent again after ``RetryPolicy.wait``, never sooner
  than a ``Retry-After`` the partner sent;
- ``RENEW`` (401 by default): the access token is renewed and the call sent again at once; fixed credentials
  (an API key) cannot be renewed, so the job fails with the partner's words;
- ``FAIL``: :class:`PartnerError` with the partner's message, for the caller to turn into a rejected record or a
  failed job.

Calls go through one ``requests.Session`` per step with a pool as large as the step's concurrency. A ``json=``
body is encoded once per call with orjson (``dataflow.jsonio``), not by ``requests`` with the standard library on
every attempt: a bulk job's body is thousands of records, and encoding it was a visible share of a job's time.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from dataflow import jsonio
from dataflow.retry import RetryPolicy, retry_after
from steps.rest.auth import Auth
from steps.rest.errors import FAIL, OK, RENEW, RETRY, PartnerAuthError, PartnerError, PartnerUnavailable, Verdict

TRANSPORT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def default_classify(response: requests.Response) -> Verdict:
    status = response.status_code
    if 200 <= status < 300:
        return Verdict(OK)
    if status == 401:
        return Verdict(RENEW, "HTTP 401")
    if status in RETRY_STATUSES:
        return Verdict(RETRY, f"HTTP {status}", retry_after(response.headers.get("Retry-After")))
    return Verdict(FAIL, f"HTTP {status}")


def default_describe(response: requests.Response) -> str:
    """The partner's message from a JSON error body (``detail``, ``message``, ``Message``...), else the status."""
    try:
        body = jsonio.loads(response.content)
    except (ValueError, jsonio.JSONDecodeError):
        return f"HTTP {response.status_code} {response.reason or ''}".strip()
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if isinstance(body, dict):
        for key in ("detail", "message", "Message", "error_message", "error_description", "errorMessage", "title"):
            if isinstance(body.get(key), str) and body[key]:
                return body[key]
    return f"HTTP {response.status_code}"


class RestClient:
    def __init__(
        self,
        name: str,
        base_url: str,
        auth: Auth | None = None,
        *,
        classify: Callable[[requests.Response], Verdict] = default_classify,
        describe: Callable[[requests.Response], str] = default_describe,
        retry: RetryPolicy | None = None,
        cancel: threading.Event | None = None,
        log: Callable[[str, str], None] | None = None,
        pool: int = 10,
        timeout: tuple[float, float] = (10.0, 300.0),
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.auth = auth or Auth()
        self.classify = classify
        self.describe = describe
        self.retry = retry or RetryPolicy()
        self.cancel = cancel
        self.timeout = timeout
        self._log = log
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(1, pool), max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._lock = threading.Lock()
        self.calls = 0
        self.retried: Counter[str] = Counter()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **options: Any) -> requests.Response:
        """One call; ``options`` go to ``requests`` (params, json, data, files, headers). Raises by recovery."""
        url = self.url(path)
        extra = options.pop("headers", None) or {}
        body = options.pop("json", None)
        if body is not None:
            options["data"] = jsonio.dumpb(body)
            extra = {"Content-Type": "application/json", **extra}
        renewals = 0
        for attempt in range(1, self.retry.attempts + 1):
            used = self.auth.headers()
            with self._lock:
                self.calls += 1
            try:
                response = self.session.request(method, url, headers={**used, **extra}, timeout=self.timeout, **options)
                verdict = self.classify(response)
            except TRANSPORT as problem:
                response, verdict = None, Verdict(RETRY, type(problem).__name__)
            except requests.RequestException as problem:
                raise PartnerUnavailable(f"cannot call {self.name} at {url}: {type(problem).__name__}") from None
            if verdict.action == OK:
                assert response is not None
                return response
            assert response is not None or verdict.action == RETRY
            if verdict.action == FAIL:
                assert response is not None
                raise PartnerError(response.status_code, self.describe(response), _body(response))
            self._count(verdict.reason)
            if verdict.action == RENEW:
                message = self.describe(response) if response is not None else verdict.reason
                if not self.auth.renewable:
                    raise PartnerAuthError(f"{self.name} refused the credentials: {message}")
                renewals += 1
                if renewals > 3:
                    raise PartnerAuthError(f"{self.name} refused {renewals} fresh access tokens in a row: {message}")
                self.auth.renew(used)
                continue
            if attempt == self.retry.attempts:
                raise PartnerUnavailable(
                    f"{self.name} {method} {path} failed after {attempt} attempts (last: {verdict.reason})"
                )
            if self._log is not None:
                self._log("debug", f"{self.name} {method} {path}: attempt {attempt} failed ({verdict.reason})")
            self.retry.wait(attempt, self.cancel, verdict.retry_after)
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, **options: Any) -> Any:
        response = self.request(method, path, **options)
        return _body(response) if response.content else None

    def _count(self, reason: str) -> None:
        with self._lock:
            self.retried[reason] += 1

    def summary(self) -> str:
        retried = sum(self.retried.values())
        tokens = getattr(self.auth, "issued", None)
        tail = f"; access tokens issued {tokens}" if tokens else ""
        if not retried:
            return f"{self.calls:,} {self.name} calls, none retried{tail}"
        reasons = ", ".join(f"{reason} ×{count:,}" for reason, count in sorted(self.retried.items()))
        return f"{self.calls:,} {self.name} calls, {retried:,} retried or re-authenticated ({reasons}){tail}"

    def close(self) -> None:
        self.session.close()


def _body(response: requests.Response) -> Any:
    try:
        return jsonio.loads(response.content)
    except (ValueError, jsonio.JSONDecodeError):
        return response.text
