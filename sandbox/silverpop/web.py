"""The HTTP side: ``POST /oauth/token`` and ``POST /XMLAPI`` on a threading HTTP server.

Order of checks on ``/XMLAPI``, chosen so that every refused call is refused before it can change anything:
the concurrency cap (11th concurrent request -> 429 with a fault body), then the bearer token (missing, unknown
or expired -> 401 with an empty body, which makes the PHP, .NET and Java clients refresh), then the seeded
faults (early token expiry -> 401; server error -> 503 with a fault body), then the operation itself. A lost
answer is drawn after the operation: it was carried out, and the connection closes without its answer.
"""

from __future__ import annotations

import contextlib
import socket
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sandbox.silverpop.api import handle
from sandbox.silverpop.errors import ApiFault, invalid, server_error
from sandbox.silverpop.faults import FaultInjector
from sandbox.silverpop.oauth import TokenStore, token_request
from sandbox.silverpop.store import Store
from sandbox.silverpop.xmlio import fault

XML_TYPE = "text/xml;charset=UTF-8"


@dataclass
class App:
    store: Store
    tokens: TokenStore
    faults: FaultInjector


def extract_xml(body: bytes, content_type: str) -> bytes | str:
    """The envelope from a form post (``xml=``) or a raw ``text/xml`` body."""
    lowered = content_type.lower()
    charset = "utf-8"
    if "charset=" in lowered:
        charset = lowered.split("charset=", 1)[1].split(";")[0].strip().strip('"') or "utf-8"
    if "x-www-form-urlencoded" in lowered or body.startswith(b"xml="):
        try:
            form = parse_qs(body.decode(charset, "replace"), keep_blank_values=True, encoding=charset)
        except LookupError:
            raise invalid(f"Unknown charset {charset}") from None
        if not form.get("xml"):
            raise invalid("Invalid XML Request: the form has no xml field")
        return form["xml"][0]
    return body


def bearer(header: str | None) -> str | None:
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


class Handler(BaseHTTPRequestHandler):
    server_version = "SilverpopSandbox/1.0"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: without this, keep-alive calls take 40 ms
    server: SilverpopHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a sync test makes thousands of calls."""

    def _send(self, status: int, payload: bytes, content_type: str = XML_TYPE, **headers: str) -> None:
        self.send_response(status)
        if payload:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._send(405, b"", Allow="POST")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        app = self.server.app
        if path == "/oauth/token":
            status, payload = token_request(app.tokens, app.store.config, body, self.headers.get("Authorization"))
            self._send(status, payload, "application/json;charset=UTF-8", Cache_Control="no-store")
        elif path == "/XMLAPI" or path.startswith("/XMLAPI;"):
            self._xmlapi(app, body)
        else:
            self._send(404, b"")

    def _xmlapi(self, app: App, body: bytes) -> None:
        faults, config = app.faults, app.store.config
        if not faults.enter():
            problem = ApiFault(50, "Too many concurrent requests: the organization allows 10 at a time")
            self._send(config.faults.concurrency_status, fault(problem), Retry_After="1")
            return
        try:
            status, answer = self._answer(app, body)
        finally:
            faults.leave()  # before the answer goes out: a client's next call must not count this one
        if status == 200 and faults.draw("lost_answer", config.faults.lost_answer_rate):
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(status, answer)

    def _answer(self, app: App, body: bytes) -> tuple[int, bytes]:
        faults, config = app.faults, app.store.config
        faults.wait_gate()
        token = bearer(self.headers.get("Authorization"))
        if not app.tokens.valid(token):
            return 401, b""
        if faults.draw("token_expiry", config.faults.token_expiry_rate):
            app.tokens.expire(token)
            return 401, b""
        if faults.draw("server_error", config.faults.server_error_rate):
            return config.faults.server_error_status, fault(server_error())
        if config.latency_s > 0:
            time.sleep(config.latency_s)
        try:
            envelope = extract_xml(body, self.headers.get("Content-Type", ""))
        except ApiFault as problem:
            return 200, fault(problem)
        return 200, handle(app.store, envelope)


class SilverpopHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, Handler)
