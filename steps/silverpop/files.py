"""Silverpop's SFTP side: ``upload/`` for import data and map files, ``download/`` for exports and results.

Built on the SFTP components' session (``steps.storage.sftp_session``): streaming transfers, retries of
dropped connections, and the host key checked against what the step configured, never accepted on sight.
What Silverpop adds is the login: as ``oauth`` the password is the current access token (silverpop.md §2.1),
which can expire or be revoked between two connections. A login refused with a token is therefore retried
with a fresh token (twice) before it fails the job; a refused user/password fails it at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from dataflow.errors import FatalError
from steps.silverpop.client import SilverpopClient
from steps.silverpop.settings import OAUTH_SFTP_USER, Settings, host_key_params
from steps.storage.sftp_session import Endpoint, RemoteError, SftpAuthError, SftpSession
from steps.storage.ssh_keys import HostKeyTrust

T = TypeVar("T")
UPLOAD, DOWNLOAD = "upload", "download"
TOKEN_LOGIN_ATTEMPTS = 3


class SilverpopFiles:
    def __init__(
        self,
        settings: Settings,
        client: SilverpopClient,
        params: Mapping[str, Any],
        environ: Mapping[str, str],
        *,
        cancel: threading.Event | None = None,
        log: Callable[[str, str], None] | None = None,
    ) -> None:
        if not settings.sftp_host:
            raise FatalError("no Silverpop SFTP host: set host (or a podNumber whose transfer host is known)")
        self.settings = settings
        self.client = client
        self.trust = HostKeyTrust.from_params(host_key_params(params, settings), environ)
        self.cancel = cancel
        self._log = log or (lambda level, message: None)
        self._session: SftpSession | None = None
        self._token: str | None = None

    @property
    def where(self) -> str:
        return f"{self.settings.sftp_host}:{self.settings.sftp_port}"

    # public ---------------------------------------------------------------------------------------------
    def upload(self, local: Path, name: str) -> int:
        """Put ``local`` at ``upload/<name>``; the bytes sent."""
        return self._with_session(f"uploading {name}", lambda session: session.upload(local, f"{UPLOAD}/{name}"))

    def download(self, name: str, local: Path) -> int | None:
        """Fetch ``download/<name>`` into ``local``; ``None`` when the server has no such file."""

        def fetch(session: SftpSession) -> int | None:
            try:
                return session.download(f"{DOWNLOAD}/{name}", local)
            except RemoteError as problem:
                local.unlink(missing_ok=True)
                if problem.no_such_file:
                    return None
                raise FatalError(f"cannot download {DOWNLOAD}/{name} from {self.where}: {problem.reason}") from None

        return self._with_session(f"downloading {name}", fetch)

    def remove(self, directory: str, name: str) -> None:
        """Best-effort removal (a file Silverpop already cleaned up is fine)."""
        if self._session is not None:
            self._session.remove_quietly(f"{directory}/{name}")

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    # sessions -------------------------------------------------------------------------------------------
    def _with_session(self, what: str, action: Callable[[SftpSession], T]) -> T:
        attempts = TOKEN_LOGIN_ATTEMPTS if self.settings.sftp_oauth else 1
        for attempt in range(1, attempts + 1):
            try:
                return action(self._open())
            except SftpAuthError:
                self.close()
                if attempt == attempts:
                    raise
                if self._token is not None:
                    self.client.invalidate(self._token)  # the token died between two connections
                self._log("warn", f"{what}: SFTP refused the access token; retrying with a fresh one")
            except RemoteError as problem:
                raise FatalError(f"{what} on {self.where} failed: {problem.reason}") from None
        raise AssertionError("unreachable")

    def _open(self) -> SftpSession:
        if self._session is not None:
            return self._session
        settings = self.settings
        if settings.sftp_oauth:
            self._token = self.client.token()
            username, password = OAUTH_SFTP_USER, self._token
        else:
            username, password = settings.sftp_username or "", settings.sftp_password
        endpoint = Endpoint(
            host=settings.sftp_host or "",
            port=settings.sftp_port,
            username=username,
            password=password,
            timeout=settings.timeout,
        )
        session = SftpSession(endpoint, self.trust, cancel=self.cancel, log=self._log)
        started = time.perf_counter()
        try:
            session.connect()
        except BaseException:
            session.close()
            raise
        self._session = session
        self._log("info", f"SFTP connected to {endpoint.where} in {time.perf_counter() - started:.2f} s")
        return session
