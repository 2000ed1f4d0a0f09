"""The HTTP front: parses a Gigya REST call (form POST or GET, origin- or absolute-form target) for the Site.

Routing is on the last path segment (``/accounts.search``), so ``http://127.0.0.1:PORT/accounts.search`` and a
proxied ``POST http://accounts.us1.gigya.com/accounts.search HTTP/1.1`` reach the same method. HTTP/1.1
keep-alive is on: SDKs reuse connections, and a benchmark pulling 100 pages should not reconnect 100 times.
"""

from __future__ import annotations

import contextlib
import email.utils
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from sandbox.gigya.auth import RequestInfo
from sandbox.gigya.site import Site
from sandbox.http_body import read_body

MAX_BODY = 64 * 1024 * 1024


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], site: Site) -> None:
        self.site = site
        super().__init__(address, GigyaRequestHandler)


def method_name(path: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return name if "." in name or not name else f"socialize.{name}"


class GigyaRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GigyaSandbox/1.0"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall
    server: SandboxHTTPServer

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and benchmarks would drown in access lines

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header follows the sandbox clock (the Java SDK derives its clock offset from it)."""
        return email.utils.formatdate(self.server.site.clock.now() if timestamp is None else timestamp, usegmt=True)

    def _read_body(self) -> bytes:
        return read_body(self.rfile, self.headers, MAX_BODY)

    def _params(self, query: str, body: bytes) -> dict[str, str]:
        params = dict(parse_qsl(query, keep_blank_values=True))
        if not body:
            return params
        content_type = (self.headers.get("Content-Type") or "").lower()
        if "json" in content_type and body.lstrip()[:1] == b"{":
            loaded = orjson.loads(body)
            for key, value in loaded.items():
                params[key] = value if isinstance(value, str) else orjson.dumps(value).decode()
        else:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return params

    def _handle(self) -> None:
        target = urlsplit(self.path)
        malformed = False
        try:
            params = self._params(target.query, self._read_body())
        except (ValueError, UnicodeDecodeError, orjson.JSONDecodeError):
            params, malformed = {}, True
        request = RequestInfo(
            method_name=method_name(target.path),
            http_method=self.command,
            path=target.path,
            params=params,
            headers=self.headers,  # case-insensitive get()
            target_scheme=target.scheme or None,
            target_host=target.netloc or None,
            client_ip=self.client_address[0],
            malformed=malformed,
        )
        outcome = self.server.site.handle(request)
        if outcome.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(outcome.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(outcome.body)))
        self.end_headers()
        self.wfile.write(outcome.body)
