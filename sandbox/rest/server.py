"""A threaded HTTP/1.1 server that hands every request to an app as a plain ``Request`` and sends its ``Response``.

Routes are regular expressions per method (``Router``); a path that no route knows is a 404, a known path with
another method a 405. Bodies may be sent with a length or chunked (requests streams files chunked). Keep-alive is
on and Nagle off, as in the Gigya sandbox: partner clients reuse connections and write headers and body apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from sandbox.http_body import read_body

MAX_BODY = 256 * 1024 * 1024


class BadRequest(Exception):
    """The body is not what the route expects (not JSON, a missing field); the app answers in its own words."""


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    base_url: str  # scheme://host:port of the listener that took the call
    params: dict[str, str] = field(default_factory=dict)  # named groups of the matched route
    raw_query: str = ""  # the query string as sent (for signatures over the arguments' order)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError as problem:
            raise BadRequest(f"the body is not JSON: {problem}") from None

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").lower()


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, **headers: str) -> Response:
    return Response(status, json.dumps(payload).encode(), headers={k.replace("_", "-"): v for k, v in headers.items()})


Handler = Callable[[Request], Response]


class Router:
    """``(method, pattern) -> handler``; patterns match the whole path and their named groups land in ``params``."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []

    def add(self, method: str, pattern: str, handler: Handler, *, public: bool = False) -> None:
        """``public`` routes skip the partner's authentication (token endpoints, signed result downloads)."""
        self._routes.append((method.upper(), re.compile(pattern), handler, public))

    def find(self, request: Request) -> tuple[Handler, bool] | int:
        """The handler and its ``public`` flag, or 404/405."""
        known = False
        for method, pattern, handler, public in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            known = True
            if method == request.method:
                request.params = {k: v for k, v in match.groupdict().items() if v is not None}
                return handler, public
        return 405 if known else 404


class App(Protocol):
    def handle(self, request: Request) -> Response: ...


class RestHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, scheme: str = "http") -> None:
        self.app = app
        self.scheme = scheme
        super().__init__(address, _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"{self.scheme}://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PartnerSandbox/1.0"
    disable_nagle_algorithm = True
    server: RestHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests make thousands of calls."""

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _handle(self) -> None:
        target = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=target.path,
            query=parse_qs(target.query, keep_blank_values=True),
            headers=self.headers,
            body=read_body(self.rfile, self.headers, MAX_BODY),
            base_url=self.server.base_url,
            raw_query=target.query,
        )
        response = self.server.app.handle(request)
        self.send_response(response.status)
        if response.body or response.status not in (204, 304):
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
