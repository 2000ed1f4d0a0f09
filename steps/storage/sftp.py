"""``datasource.read.sftp`` / ``datasource.write.sftp``: files from and to an SFTP server.

They behave like the local-directory reader and writer (``steps/storage/local.py``): the reader selects files
by a regex over the whole name and sorts them by name or time; the writer puts each file under its own name
in ``remotePath`` and passes it on. What SFTP adds:

- the server's host key is checked against what the step (or the site) configured, never accepted on first
  sight (``steps/storage/ssh_keys.py`` says why and how);
- the reader downloads one file at a time into the step's work directory and hands it on before fetching the
  next, so a long listing does not fill the disk before the first file flows;
- the writer uploads to ``name.<8 hex>.tmp`` and renames it when ``temporaryUploadExtension`` is set, so a
  consumer polling the directory never sees a partial file under its final name. A fresh temporary name per
  attempt also means a stalled attempt that the server carries out late cannot clobber the retry. A direct
  upload (IdentitySync's default, so ours too) has neither guarantee;
- both connect on first use, not in ``open``: a writer that receives no file never connects;
- transient network failures are retried on a fresh connection; bad credentials or a wrong host key fail the
  job at once; a file the server refuses (permission denied, no space) fails alone, down the error path.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from dataflow.component import Component, FileStep, ParamProblem, Reader
from dataflow.errors import FatalError, RecordError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.storage.sftp_session import Endpoint, RemoteError, RemoteFile, SftpSession, join
from steps.storage.ssh_keys import HostKeyTrust, check_host_key_params, describe_key, load_client_key

TEMPORARY_SUFFIX = ".tmp"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def remote_name(name: str) -> str:
    """The last component of ``name``, so that no file can land outside ``remotePath``.

    Both ``/`` and ``\\`` separate: a Windows SFTP server reads a backslash as a directory separator.
    """
    base = re.split(r"[/\\]", name)[-1]
    if base in ("", ".", "..") or _CONTROL.search(base):
        raise RecordError(f"file name {name!r} cannot be used on an SFTP server", fileName=name)
    return base


class _SftpStep(Component):
    """What the reader and the writer share: params checks, the lazily opened session, closing it."""

    # Tells the conformance suite (and other tools that run components outside a job) that this component only
    # works against an SFTP server: ``tests/sftp/sshd.py`` starts one and gives the params to use.
    needs_service: ClassVar[str] = "sftp"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        if not (params.get("password") or params.get("privateKey")):
            yield ParamProblem((), "set password or privateKey: the server needs one of them to log in")
        if params.get("passphrase") and not params.get("privateKey"):
            yield ParamProblem(("passphrase",), "passphrase is only used to decrypt privateKey, which is not set")
        regex = params.get("fileNameRegex")
        if isinstance(regex, str) and "${" not in regex:
            try:
                re.compile(regex)
            except re.error as problem:
                yield ParamProblem(("fileNameRegex",), f"not a valid regular expression: {problem.msg}", problem.pos)
        # The validating process's environment decides whether a site-wide known_hosts file stands in.
        for name, message in check_host_key_params(params, os.environ):
            yield ParamProblem((name,) if name else (), message)

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._directory = str(params.get("remotePath") or ".")
        self._session: SftpSession | None = None
        context.job.redactor.add(params.get("password"), params.get("passphrase"), params.get("privateKey"))

    @property
    def session(self) -> SftpSession:
        """The connected session, opened on first use."""
        if self._session is None:
            params = self.params
            key_text = params.get("privateKey")
            endpoint = Endpoint(
                host=str(params["host"]),
                port=int(params.get("port") or 22),
                username=str(params["username"]),
                password=params.get("password") or None,
                client_key=load_client_key(key_text, params.get("passphrase")) if key_text else None,
                timeout=float(params.get("timeout") or 60),
            )
            trust = HostKeyTrust.from_params(params, self.context.job.environ)
            session = SftpSession(endpoint, trust, cancel=self.context.job.cancel_event, log=self._log)
            try:
                session.connect()
            except BaseException:
                session.close()
                raise
            self._session = session
            shown = describe_key(session.server_key) if session.server_key else "?"
            self.context.info(
                f"connected to {endpoint.where} with {endpoint.methods}; host key {shown} matches {trust.source}"
            )
        return self._session

    @property
    def where(self) -> str:
        host, port = self.params["host"], int(self.params.get("port") or 22)
        return f"{host}:{port}" if port != 22 else str(host)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _log(self, level: str, message: str) -> None:
        self.context.job.trace.log(level, message, self.context.step_id)


class ReadSftp(_SftpStep, Reader):
    """Emit the files of ``remotePath`` whose names match ``fileNameRegex``, sorted, one download at a time."""

    type: ClassVar[str] = "datasource.read.sftp"
    produces: ClassVar[Any] = "files"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._pattern = re.compile(params.get("fileNameRegex") or ".*")
        self._sort_by = params.get("sortBy", "time")
        self._descending = str(params.get("sortOrder", "ASC")).upper() == "DESC"

    def partitions(self) -> list[RemoteFile] | None:
        """One partition per remote file, in the order a single read downloads them."""
        selected = self._listing()
        self.close()  # the partitions connect on their own
        return selected if len(selected) > 1 else None

    def read(self) -> Iterator[list[FileRef]]:
        session = self.session
        selected = [self.partition] if self.partition is not None else self._listing()
        for remote in selected:
            self.context.job.check_cancelled()
            fetched = self._download(session, remote)
            if fetched is not None:
                yield [fetched]
        self.close()  # done with the server: free its connection slot while the rest of the job runs

    def _listing(self) -> list[RemoteFile]:
        try:
            listed = self.session.list_files(self._directory)
        except RemoteError as problem:
            raise FatalError(f"cannot list {self._directory} on {self.where}: {problem.reason}") from None
        selected = self._select(listed)
        self.context.info(
            f"{len(selected)} of {len(listed)} file(s) in {self._directory} on {self.where} "
            f"match {self._pattern.pattern!r}"
        )
        return selected

    def _select(self, listed: list[RemoteFile]) -> list[RemoteFile]:
        found = [entry for entry in listed if self._pattern.fullmatch(entry.name)]
        if self._sort_by == "name":
            found.sort(key=lambda entry: entry.name, reverse=self._descending)
        else:
            found.sort(key=lambda entry: (entry.mtime or 0, entry.name), reverse=self._descending)
        return found

    def _download(self, session: SftpSession, remote: RemoteFile) -> FileRef | None:
        local = self.context.new_file_path(remote.name)
        started = time.perf_counter()
        try:
            size = session.download(remote.path, local)
        except RemoteError as problem:
            local.unlink(missing_ok=True)
            if problem.no_such_file:  # removed since the listing (another consumer took it)
                self.context.warn(f"{remote.path} disappeared from {self.where} before it was downloaded; skipped")
                return None
            raise FatalError(f"cannot download {remote.path} from {self.where}: {problem.reason}") from None
        self.context.info(f"downloaded {remote.path} ({size:,} bytes{_rate(size, started)})")
        return FileRef(name=remote.name, path=local, size=size)


class WriteSftp(_SftpStep, FileStep):
    """Upload each incoming file into ``remotePath`` under its own name; pass the file on."""

    type: ClassVar[str] = "datasource.write.sftp"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._temporary = bool(params.get("temporaryUploadExtension", False))
        self._checked_directory = False

    def process_file(self, file: FileRef) -> FileRef:
        name = remote_name(file.name)
        session = self.session
        if not self._checked_directory:
            self._check_directory(session)
        final = join(self._directory, name)
        started = time.perf_counter()
        try:
            if self._temporary:
                sent = session.upload_replacing(file.path, final, TEMPORARY_SUFFIX)
            else:
                sent = session.upload(file.path, final)
        except RemoteError as problem:
            if problem.partial and not self._temporary:  # never leave a truncated file under the final name
                session.remove_quietly(final)
            raise RecordError(
                f"cannot upload {name} to {self._directory} on {self.where}: {problem.reason}",
                fileName=name,
                remotePath=final,
            ) from None
        self.context.info(f"uploaded {name} to {final} on {self.where} ({sent:,} bytes{_rate(sent, started)})")
        return file

    def _check_directory(self, session: SftpSession) -> None:
        """A missing ``remotePath`` fails every file alike, so it fails the job, once, with a clear message."""
        try:
            kind = session.is_directory(self._directory)
        except RemoteError:
            kind = True  # cannot look (no search permission on a parent); let the uploads say what is wrong
        if kind is None:
            raise FatalError(f"remote directory {self._directory} does not exist on {self.where}")
        if kind is False:
            raise FatalError(f"remotePath {self._directory} on {self.where} is not a directory")
        self._checked_directory = True


def _rate(size: int, started: float) -> str:
    elapsed = time.perf_counter() - started
    if size < 1 << 20 or elapsed <= 0:
        return ""
    return f", {size / elapsed / 1e6:.1f} MB/s"
