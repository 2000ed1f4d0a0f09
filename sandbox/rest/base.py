"""``PartnerSandbox``: start/stop, the HTTP and optional HTTPS listeners, and the call pipeline every partner shares.

The pipeline of one call: find the route (404/405), authenticate unless the route is public (the partner's own
answer to a missing, unknown or expired credential), draw a fault (rendered by the partner; an expired-token fault
revokes the presented token first), then run the handler. Public routes (token endpoints, pre-signed downloads)
are never faulted: injected faults are about the API calls a token or key opens. A handler may raise
``BadRequest`` for a body it cannot read; the partner words that answer too. Subclasses add routes in
``routes()`` and may hold any state they like behind ``self.lock``.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, ClassVar

from sandbox.clock import Clock
from sandbox.rest.faults import EXPIRED_TOKEN, FaultRates, Faults
from sandbox.rest.server import BadRequest, Request, Response, RestHTTPServer, Router, json_response
from sandbox.rest.tls import Certificates, make_certificates


class PartnerSandbox:
    name: ClassVar[str] = "partner"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        seed: int = 1,
        clock: Clock | None = None,
        faults: FaultRates | None = None,
        latency_ms: float = 0.0,
    ) -> None:
        self.host, self.port, self.seed = host, port, seed
        self.clock = clock or Clock()
        self.faults = Faults(faults, seed)
        self.latency_s = latency_ms / 1000
        self.lock = threading.RLock()
        self.router = Router()
        self.routes()
        self._tls = tls
        self._servers: list[RestHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self._scratch: Path | None = None
        self.certificates: Certificates | None = None

    # -- to override -----------------------------------------------------------------------------------------
    def routes(self) -> None:
        """Add the partner's routes to ``self.router``."""

    def authenticate(self, request: Request) -> Response | str | None:
        """The partner's refusal, or the credential presented (a token to revoke on a fault), or None."""
        return None

    def render_fault(self, kind: str, request: Request) -> Response:
        return json_response(503, {"message": f"injected {kind}"})

    def bad_request(self, message: str) -> Response:
        return json_response(400, {"message": message})

    def expire_credential(self, credential: str) -> None:
        """Revoke a token when an expired-token fault hits a call that presented it."""

    def info(self) -> dict[str, Any]:
        """What a client needs to connect; ``dataflow sandbox NAME`` prints it as one JSON line."""
        secure = {"tlsUrl": self.tls_url, "caFile": str(self.ca_file)} if self._tls else {}
        return {"service": self.name, "url": self.url, **secure}

    # -- the pipeline ----------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        found = self.router.find(request)
        if isinstance(found, int):
            return self.not_found(request) if found == 404 else json_response(405, {"message": "Method Not Allowed"})
        handler, public = found
        credential: str | None = None
        if not public:
            verdict = self.authenticate(request)
            if isinstance(verdict, Response):
                return verdict
            credential = verdict
        kind = None if public else self.faults.draw(request.path)
        if kind is not None:
            if kind == EXPIRED_TOKEN and credential:
                self.expire_credential(credential)
            return self.render_fault(kind, request)
        if self.latency_s > 0:
            self.clock_sleep(self.latency_s)
        try:
            return handler(request)
        except BadRequest as problem:
            return self.bad_request(str(problem))

    def not_found(self, request: Request) -> Response:
        return json_response(404, {"message": f"no such resource: {request.path}"})

    @staticmethod
    def clock_sleep(seconds: float) -> None:
        threading.Event().wait(seconds)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> PartnerSandbox:
        if self._servers:
            return self
        self._servers.append(RestHTTPServer((self.host, self.port), self))
        if self._tls:
            self._scratch = Path(tempfile.mkdtemp(prefix=f"{self.name}-sandbox-"))
            self.certificates = make_certificates(self._scratch)
            secure = RestHTTPServer((self.host, 0), self, scheme="https")
            secure.socket = self.certificates.server_context().wrap_socket(secure.socket, server_side=True)
            self._servers.append(secure)
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"{self.name}-sandbox", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def __enter__(self) -> PartnerSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` of the plain listener."""
        return self._servers[0].base_url

    @property
    def tls_url(self) -> str:
        if len(self._servers) < 2:
            raise RuntimeError(f"the {self.name} sandbox was started without tls=True")
        return self._servers[1].base_url

    @property
    def ca_file(self) -> Path:
        if self.certificates is None:
            raise RuntimeError(f"the {self.name} sandbox was started without tls=True")
        return self.certificates.ca_file


__all__ = ["BadRequest", "PartnerSandbox"]
