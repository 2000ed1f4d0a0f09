"""Start and stop a Silverpop sandbox in-process: the XML API/OAuth HTTP server, the SFTP server, a job ticker.

``SilverpopSandbox(config).start()`` binds both servers on loopback (port 0 = a free port), seeds the org and
returns once both accept connections; ``stop()`` (or leaving the ``with`` block) shuts everything down and
removes the data directory if the sandbox created it. The admin methods (``admin.py``) read and steer the
state directly, bypassing auth and faults, for tests.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from types import TracebackType

from sandbox.silverpop.admin import AdminMixin
from sandbox.silverpop.clock import Clock
from sandbox.silverpop.config import SilverpopConfig, derive
from sandbox.silverpop.faults import FaultInjector
from sandbox.silverpop.oauth import TokenStore
from sandbox.silverpop.seed import populate
from sandbox.silverpop.sftp import SFTPService, seeded_host_key
from sandbox.silverpop.store import Store
from sandbox.silverpop.web import App, SilverpopHTTPServer

OAUTH_USER = "oauth"


class SilverpopSandbox(AdminMixin):
    def __init__(
        self,
        config: SilverpopConfig | None = None,
        *,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        sftp_port: int = 0,
        data_dir: str | Path | None = None,
        tick_s: float | None = 0.2,
    ) -> None:
        """``tick_s``: how often a background thread advances jobs (``None``: only on GetJobStatus/admin)."""
        self.config = config or SilverpopConfig()
        self.clock = clock or Clock()
        self.host = host
        self._owns_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="silverpop-sandbox-"))
        self.faults = FaultInjector(self.config.faults, self.config.seed)
        self.store = Store(self.config, self.clock, self.data_dir, self.faults)
        self.tokens = TokenStore(self.config, self.clock)
        populate(self.store, self.config.databases, self.config.tables, self.config.contacts)
        self._http = SilverpopHTTPServer((host, port), App(self.store, self.tokens, self.faults))
        host_key = seeded_host_key(bytes.fromhex(derive(self.config.seed, "sftp-host-key", 32)))
        self._sftp = SFTPService(self.data_dir, self._check_password, host, sftp_port, host_key)
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._tick_s = tick_s
        self._started = False

    # -- lifecycle
    def start(self) -> SilverpopSandbox:
        try:
            self._sftp.start()
        except BaseException:
            self.stop()
            raise
        serve = threading.Thread(target=self._http.serve_forever, args=(0.05,), name="silverpop-http", daemon=True)
        serve.start()
        self._threads.append(serve)
        self._started = True
        if self._tick_s:
            ticker = threading.Thread(target=self._tick, name="silverpop-jobs", daemon=True)
            ticker.start()
            self._threads.append(ticker)
        return self

    def _tick(self) -> None:
        while not self._stopping.wait(self._tick_s):
            self.store.jobs.advance()

    def stop(self) -> None:
        self._stopping.set()
        if self._started:
            self._http.shutdown()
        self._http.server_close()
        self._sftp.stop()
        for thread in self._threads:
            thread.join(10)
        self._threads.clear()
        self._started = False
        if self._owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> SilverpopSandbox:
        return self.start() if not self._started else self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def _check_password(self, username: str, password: str) -> bool:
        if username == OAUTH_USER:
            return self.tokens.valid(password)
        return username == self.config.sftp_username and password == self.config.sftp_password

    # -- addresses
    @property
    def port(self) -> int:
        return int(self._http.server_address[1])

    @property
    def sftp_port(self) -> int:
        return self._sftp.port

    @property
    def sftp_host_key(self) -> str:
        """The SFTP server's public host key (``ssh-ed25519 AAAA…``), to pin in a client's known_hosts."""
        return self._sftp.host_public_key

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/XMLAPI"

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth/token"

    def info(self) -> dict[str, object]:
        """What a client needs: the CLI prints exactly this as its one JSON line."""
        return {
            "service": "silverpop",
            "url": self.url,
            "port": self.port,
            "api": self.api_url,
            "tokenUrl": self.token_url,
            "sftp": {
                "host": self.host,
                "port": self.sftp_port,
                "username": self.config.sftp_username,
                "password": self.config.sftp_password,
                "hostKey": self.sftp_host_key,
                "hostKeyFingerprint": self._sftp.host_fingerprint,
            },
            "clientId": self.config.client_id,
            "clientSecret": self.config.client_secret,
            "refreshToken": self.config.refresh_token,
            "lists": self.lists,
            "tables": self.tables,
        }
