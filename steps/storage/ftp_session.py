"""An FTP or explicit-FTPS session for the FTP components, on the standard library's ftplib.

Why ftplib: it is the reference client, speaks explicit FTPS (``AUTH TLS``, ``PROT P``) with the ``ssl`` module's
certificate checks, and streams data connections, so nothing else is needed. What a session adds:

- one control connection, opened on first use and reopened after a transient failure (4xx replies, dropped or
  timed-out connections), each request retried by the engine's back-off policy (``transfer.py``);
- FTPS never trusts a certificate it cannot verify: the system's CAs, or the step's ``tlsCaCertificate``
  (the PEM of a self-signed server certificate or of a private CA), with the host name checked;
- listings by ``MLSD`` (names, sizes and UTC modification times in one answer), falling back to ``NLST`` with
  ``SIZE``/``MDTM`` on servers without it;
- downloads stream and resume with ``REST`` after a dropped connection; uploads go to a temporary name in the
  same directory and are renamed over the final name only once complete (the temporary file is deleted when
  the upload fails), so a consumer never sees a partial file under its final name.

Messages name the user, host and paths, never the password.
"""

from __future__ import annotations

import contextlib
import ftplib
import secrets
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from dataflow.errors import FatalError, JobKilled
from steps.storage.remote import RemoteFile, Vanished, aborting, read_chunks
from steps.storage.transfer import Retrying, download_resuming

T = TypeVar("T")
CHUNK = 1 << 20
TEMPORARY_SUFFIX = ".tmp"


@dataclass(frozen=True)
class FtpEndpoint:
    host: str
    port: int
    username: str
    password: str = field(repr=False, default="")
    explicit_tls: bool = False
    ca_certificate: str | None = field(repr=False, default=None)
    passive: bool = True
    timeout: float = 60.0

    @property
    def where(self) -> str:
        scheme = "ftps" if self.explicit_tls else "ftp"
        return f"{scheme}://{self.username}@{self.host}:{self.port}"


def transient(problem: BaseException) -> str | None:
    if isinstance(problem, ftplib.error_temp):
        return f"the server answered {str(problem).strip()}"
    if isinstance(problem, ssl.SSLCertVerificationError):
        return None
    if isinstance(problem, socket.gaierror):
        return "temporary failure in name resolution" if problem.errno == socket.EAI_AGAIN else None
    if isinstance(problem, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(problem, EOFError | ConnectionError | ftplib.error_reply | ftplib.error_proto | ssl.SSLError):
        return f"connection lost ({problem.__class__.__name__}{': ' + str(problem) if str(problem) else ''})"
    if isinstance(problem, OSError) and not isinstance(problem, FileNotFoundError | PermissionError):
        return problem.strerror or str(problem)
    return None


def join(directory: str, name: str) -> str:
    if directory in ("", "."):
        return name
    return f"{directory.rstrip('/')}/{name}" if directory.strip("/") else f"/{name}"


def _mtime(stamp: str | None) -> float | None:
    """``YYYYMMDDHHMMSS[.sss]`` (MLSD ``modify``, MDTM) in UTC, as epoch seconds."""
    if not stamp or len(stamp) < 14:
        return None
    try:
        moment = datetime.strptime(stamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return moment.timestamp()


class FtpSession:
    def __init__(self, endpoint: FtpEndpoint, retrying: Retrying) -> None:
        self.endpoint = endpoint
        self.retrying = retrying
        self.retrying.on_retry = self.drop
        self._ftp: ftplib.FTP | None = None

    # connection -----------------------------------------------------------------------------------------
    @property
    def ftp(self) -> ftplib.FTP:
        if self._ftp is None:
            self._ftp = self._connect()
        return self._ftp

    def _connect(self) -> ftplib.FTP:
        endpoint = self.endpoint
        ftp: ftplib.FTP
        if endpoint.explicit_tls:
            context = ssl.create_default_context(cadata=endpoint.ca_certificate or None)
            ftp = ftplib.FTP_TLS(context=context, timeout=endpoint.timeout)
        else:
            ftp = ftplib.FTP(timeout=endpoint.timeout)
        try:
            ftp.connect(endpoint.host, endpoint.port)
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.auth()
            ftp.login(endpoint.username, endpoint.password)
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
            ftp.set_pasv(endpoint.passive)
        except ftplib.error_perm as problem:
            ftp.close()
            raise FatalError(f"{endpoint.where} refused the login: {str(problem).strip()}") from None
        except ssl.SSLCertVerificationError as problem:
            ftp.close()
            raise FatalError(
                f"the TLS certificate of {endpoint.host}:{endpoint.port} cannot be trusted ({problem.verify_message}): "
                "set tlsCaCertificate to the server's certificate (or its CA) in PEM"
            ) from None
        except BaseException:
            ftp.close()
            raise
        return ftp

    def drop(self) -> None:
        """Forget the connection (after a failure its state is unknown)."""
        ftp, self._ftp = self._ftp, None
        if ftp is not None:
            ftp.close()

    def close(self) -> None:
        ftp, self._ftp = self._ftp, None
        if ftp is not None:
            with contextlib.suppress(Exception):
                ftp.quit()
            ftp.close()

    def call(self, what: str, operation: Callable[[ftplib.FTP], T]) -> T:
        return self.retrying.call(what, lambda: operation(self.ftp))

    # operations -----------------------------------------------------------------------------------------
    def list_files(self, directory: str) -> list[RemoteFile]:
        """Regular files in ``directory``, in the server's order."""

        def listing(ftp: ftplib.FTP) -> list[RemoteFile]:
            try:
                entries = list(ftp.mlsd(directory or "", facts=["type", "size", "modify"]))
            except ftplib.error_perm as problem:
                if not str(problem).startswith(("500", "501", "502")):  # not "MLSD unknown": a real refusal
                    raise
                return self._list_without_mlsd(ftp, directory)
            return [
                RemoteFile(name, join(directory, name), _size(facts.get("size")), _mtime(facts.get("modify")))
                for name, facts in entries
                if facts.get("type", "file") == "file"
            ]

        return self.call(f"listing {directory or '.'}", listing)

    def _list_without_mlsd(self, ftp: ftplib.FTP, directory: str) -> list[RemoteFile]:
        found = []
        for listed in ftp.nlst(directory or ""):
            name = listed.rsplit("/", 1)[-1]
            path = join(directory, name)
            try:
                size = ftp.size(path)
                stamp = ftp.sendcmd(f"MDTM {path}").split()[-1]
            except ftplib.error_perm:
                continue  # a directory (SIZE and MDTM refuse them)
            found.append(RemoteFile(name, path, size, _mtime(stamp)))
        return found

    def download(self, remote: str, local: Path) -> int:
        def open_at(offset: int) -> Iterator[bytes]:
            ftp = self.ftp
            ftp.voidcmd("TYPE I")
            try:
                connection = ftp.transfercmd(f"RETR {remote}", rest=offset or None)
            except ftplib.error_perm as problem:
                if str(problem).startswith("550"):
                    raise Vanished from None
                raise
            with connection:
                while data := connection.recv(CHUNK):
                    yield data
                if isinstance(connection, ssl.SSLSocket):
                    connection.unwrap()
            ftp.voidresp()

        return download_resuming(local, self.retrying, f"downloading {remote}", open_at, self.retrying.cancel)

    def upload_replacing(self, local: Path, final: str) -> int:
        """Upload under a fresh temporary name beside ``final``, then rename it over ``final``."""
        temporary = f"{final}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
        cancel = self.retrying.cancel

        def send(ftp: ftplib.FTP) -> int:
            sent = 0
            ftp.voidcmd("TYPE I")
            with ftp.transfercmd(f"STOR {temporary}") as connection:
                for chunk in read_chunks(local, CHUNK):
                    if cancel.is_set():
                        raise JobKilled("the job was killed")
                    connection.sendall(chunk)
                    sent += len(chunk)
                if isinstance(connection, ssl.SSLSocket):
                    connection.unwrap()
            ftp.voidresp()
            return sent

        def remove_temporary() -> None:
            self.drop()  # the failed transfer may have left the control connection mid-answer
            self.ftp.delete(temporary)

        with aborting(remove_temporary):
            sent = self.call(f"uploading {final}", send)
            self.call(f"renaming {temporary}", lambda ftp: _replace(ftp, temporary, final))
        return sent


def _replace(ftp: ftplib.FTP, old: str, new: str) -> None:
    """Rename ``old`` to ``new``; on a server that refuses to rename over a file, delete it first."""
    try:
        ftp.rename(old, new)
    except ftplib.error_perm:
        with contextlib.suppress(ftplib.error_perm):
            ftp.delete(new)
        ftp.rename(old, new)


def _size(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
