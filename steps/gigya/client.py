"""The Gigya REST client every ``datasource.*.gigya.*`` step uses: signing, envelopes, retries, cursors.

One client (one ``requests.Session``) per step; its connection pool holds ``max_connections`` sockets, so a
writer's threads reuse keep-alive connections instead of opening one per call. Calls are form POSTs.
``call`` returns the envelope when ``errorCode`` is 0 and otherwise raises by recovery:

- transient codes and transport failures (timeouts, resets, dropped connections, truncated bodies) are sent
  again with back-off; each attempt is signed afresh (new timestamp and nonce);
- credential and permission errors raise :class:`GigyaAuthError` (a ``FatalError``) at once;
- any other code raises :class:`GigyaApiError` (a ``RecordError``) carrying the envelope summary;
- transport failures that outlast the retries raise :class:`GigyaUnavailable` (a ``FatalError``).

Secrets never enter a message: errors name the method, the site's apiKey and the callId only.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter

from dataflow import jsonio
from dataflow.retry import RetryPolicy
from steps.gigya import errors, jwt, pages, signing
from steps.gigya.settings import SiteSettings, normalize_method

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 90.0  # above accounts.search's own 60 s maximum
_TRANSPORT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
_RETRY_HTTP = frozenset({408, 429, 500, 502, 503, 504})


def _session(settings: SiteSettings) -> requests.Session:
    """A session that reads proxy and CA settings from the environment once, not on every call.

    ``requests`` re-reads the environment (proxies, CA bundle) per request when ``trust_env`` is on; at
    thousands of calls a second that scan costs as much as the signing. Resolved once here, it behaves the same.
    """
    session = requests.Session()
    probe = settings.url_for("accounts.search")
    proxies = requests.utils.get_environ_proxies(probe)
    verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    session.trust_env = False
    session.proxies.update(proxies)
    if verify:
        session.verify = verify
    return session


class _Transport(Exception):
    """An attempt that got no usable answer (the request may or may not have reached Gigya)."""


class GigyaClient:
    def __init__(
        self,
        settings: SiteSettings,
        *,
        max_connections: int = 10,
        retry: RetryPolicy | None = None,
        cancel: threading.Event | None = None,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        log: Callable[[str, str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self.cancel = cancel
        self.timeout = timeout
        self._log = log  # (level, message): the step's trace
        self._key = jwt.load_private_key(settings.private_key) if settings.auth_mode == "bearer" else None
        self.session = _session(settings)
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(1, max_connections), max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._lock = threading.Lock()
        self.calls = 0
        self.retried: Counter[str] = Counter()  # what was retried: error codes and "transport"

    # public ------------------------------------------------------------------------------------------
    def call(self, method: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        method = normalize_method(method)
        attempt, rerouted, uncertain = 0, False, False
        while True:
            attempt += 1
            try:
                response = self._send(method, params or {})
            except _Transport as problem:
                uncertain = True
                if attempt >= self.retry.attempts:
                    raise errors.GigyaUnavailable(
                        f"no answer from Gigya for {method} at {self._where()} after {attempt} attempts: {problem}"
                    ) from None
                self._retrying("transport", method, attempt, str(problem))
                continue
            code = int(response.get("errorCode") or 0)
            if code == 0:
                return response
            if code in errors.FATAL or (code == errors.UNAUTHORIZED_USER and not (params or {}).get("UID")):
                # 403005 names an unknown UID when the call is about one, else the caller's own user key
                raise errors.GigyaAuthError(method, response, self.settings.describe())
            if code == errors.INVALID_DATA_CENTER and not rerouted and self._reroute(response):
                rerouted, attempt = True, attempt - 1
                continue
            retry_once = code == errors.EXPIRED and attempt == 1
            if (errors.is_transient(code) or retry_once) and attempt < self.retry.attempts:
                self._retrying(str(code), method, attempt, str(response.get("errorMessage")))
                continue
            if code == errors.EXPIRED:
                raise errors.GigyaAuthError(method, response, self.settings.describe())
            failure = errors.GigyaApiError(method, response, attempt)
            failure.uncertain = uncertain  # an earlier attempt may have been applied before its answer was lost
            raise failure

    def search(self, method: str, query: str, timeout_ms: int | None = None) -> Iterator[dict[str, Any]]:
        """Pages of a cursor search (``accounts.search``, ``ds.search``, ``audit.search``), one envelope each.

        A page that fails is asked for again with the same ``cursorId`` (``call`` retries the same params),
        which Gigya answers with the same batch, so nothing is skipped or read twice.
        """
        extra = {"timeout": timeout_ms} if timeout_ms else {}
        params: dict[str, Any] = {"query": query, "openCursor": True, **extra}
        previous = None
        while True:
            page = self.call(method, params)
            yield page
            cursor = page.get("nextCursorId")
            if not cursor or (cursor == previous and not page.get("results")):
                return
            previous = cursor
            params = {"cursorId": cursor, **extra}

    def summary(self) -> str:
        retried = sum(self.retried.values())
        if not retried:
            return f"{self.calls:,} Gigya calls, none retried"
        reasons = ", ".join(f"{reason} ×{count:,}" for reason, count in sorted(self.retried.items()))
        return f"{self.calls:,} Gigya calls, {retried:,} retried ({reasons})"

    def close(self) -> None:
        self.session.close()
        pages.release()

    # internals ---------------------------------------------------------------------------------------
    def _send(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        settings = self.settings
        url = settings.url_for(method)
        encoded = signing.encode_params(params)
        encoded.update(apiKey=settings.api_key, format="json", httpStatusCodes="false")
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        for name in ("secret", "sig", "timestamp", "nonce", "userKey"):
            encoded.pop(name, None)  # authentication is ours to add, never a record's
        if self._key is not None:
            headers["Authorization"] = "Bearer " + jwt.bearer_token(settings.user_key or "", self._key)
        else:
            if settings.user_key:
                encoded["userKey"] = settings.user_key
            signing.sign(encoded, url, settings.secret or "")
        with self._lock:
            self.calls += 1
        try:
            body = urlencode(encoded).encode("ascii")
            reply = self.session.post(url, data=body, headers=headers, timeout=self.timeout)
            content = reply.content
        except _TRANSPORT_ERRORS as problem:
            raise _Transport(type(problem).__name__) from None
        except requests.RequestException as problem:
            raise errors.GigyaUnavailable(f"cannot call Gigya at {url}: {type(problem).__name__}") from None
        try:
            data = pages.parse(content)
        except jsonio.JSONDecodeError:
            data = None
        if isinstance(data, dict) and "errorCode" in data:
            return data
        if reply.status_code == 200 or reply.status_code in _RETRY_HTTP:
            raise _Transport(f"HTTP {reply.status_code} without a Gigya answer ({len(content)} bytes)")
        raise errors.GigyaUnavailable(
            f"HTTP {reply.status_code} from {url} is not a Gigya answer; check the data center or base URL"
        )

    def _retrying(self, reason: str, method: str, attempt: int, detail: str) -> None:
        with self._lock:
            self.retried[reason] += 1
        if self._log is not None:
            self._log("debug", f"{method}: attempt {attempt} failed ({reason}: {detail}); retrying")
        self.retry.wait(attempt, self.cancel)

    def _reroute(self, response: dict[str, Any]) -> bool:
        """301001: the site lives in another data center; follow ``apiDomain`` once (not with a base URL)."""
        domain = response.get("apiDomain")
        if self.settings.base_url or not isinstance(domain, str) or not domain:
            return False
        self.settings = dataclasses.replace(self.settings, data_center=domain)
        if self._log is not None:
            self._log("warn", f"Gigya says apiKey {self.settings.api_key} lives at {domain}; calling there instead")
        return True

    def _where(self) -> str:
        return self.settings.base_url or self.settings.api_domain
