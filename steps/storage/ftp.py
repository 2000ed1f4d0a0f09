"""``datasource.read.ftp`` / ``datasource.write.ftp``: files from and to an FTP server, plain or explicit FTPS.

They take the SFTP components' params (``host``, ``port``, ``username``, ``password``, ``remotePath``,
``fileNameRegex``, ``sortBy``, ``sortOrder``, ``timeout``) plus ``explicitTls`` (``AUTH TLS`` before the login,
the data connections encrypted too), ``tlsCaCertificate`` and ``passive``. The session
(``steps/storage/ftp_session.py``) says how listing, streaming and the temporary-name upload work; the reading
and writing rules are every file store's (``steps/storage/remote.py``).

Plain FTP sends the password in clear text: use it only on a network you trust, FTPS anywhere else.
"""

from __future__ import annotations

import ftplib
from pathlib import Path
from typing import Any, ClassVar

from dataflow.errors import FatalError, RecordError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.storage.ftp_session import FtpEndpoint, FtpSession, join, transient
from steps.storage.remote import RemoteFile, StoreReader, StoreStep, StoreWriter
from steps.storage.transfer import Retrying


class _FtpStep(StoreStep):
    """What the reader and the writer share: the lazily opened session and closing it."""

    needs_service: ClassVar[str] = "ftp"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        context.job.redactor.add(params.get("password"))
        self.directory = str(params.get("remotePath") or ".")
        self.endpoint = FtpEndpoint(
            host=str(params["host"]),
            port=int(params.get("port") or 21),
            username=str(params["username"]),
            password=str(params.get("password") or ""),
            explicit_tls=bool(params.get("explicitTls", False)),
            ca_certificate=params.get("tlsCaCertificate") or None,
            passive=bool(params.get("passive", True)),
            timeout=float(params.get("timeout") or 60),
        )

    @property
    def session(self) -> FtpSession:
        if self._connection is None:
            retrying = Retrying.for_step(
                self.params, self.endpoint.where, transient, cancel=self.context.job.cancel_event, log=self.log
            )
            self._connection = FtpSession(self.endpoint, retrying)
        return self._connection

    @property
    def where(self) -> str:
        return f"{self.directory} on {self.endpoint.where}"


class ReadFtp(_FtpStep, StoreReader):
    """Emit the files of ``remotePath`` whose names match ``fileNameRegex``, sorted, one download at a time."""

    type: ClassVar[str] = "datasource.read.ftp"

    def list_files(self) -> list[RemoteFile]:
        try:
            return self.session.list_files(self.directory)
        except ftplib.error_perm as problem:
            raise FatalError(f"cannot list {self.where}: {str(problem).strip()}") from None

    def fetch(self, remote: RemoteFile, local: Path) -> int:
        try:
            return self.session.download(remote.path, local)
        except ftplib.error_perm as problem:
            raise FatalError(f"cannot download {remote.path} from {self.where}: {str(problem).strip()}") from None


class WriteFtp(_FtpStep, StoreWriter):
    """Upload each incoming file into ``remotePath`` under its own name; pass the file on."""

    type: ClassVar[str] = "datasource.write.ftp"
    store_noun: ClassVar[str] = "an FTP server"

    def put(self, file: FileRef, name: str) -> tuple[str, int]:
        final = join(self.directory, name)
        try:
            sent = self.session.upload_replacing(file.path, final)
        except ftplib.error_perm as problem:
            answer = str(problem).strip()
            if answer.startswith("553"):  # this name is not allowed here: the other files may still go
                raise RecordError(f"{self.endpoint.where} refused the name {final}: {answer}", fileName=name) from None
            raise FatalError(f"{self.endpoint.where} refused to store {name} in {self.directory}: {answer}") from None
        return final, sent
