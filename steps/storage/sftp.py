"""``datasource.read.sftp`` / ``datasource.write.sftp``: files from and to an SFTP server.

They read and write as every file store does (``steps/storage/remote.py``): the reader selects files by a regex
over the whole name and, unless the job is a full extract, by modification time since the delta window's start,
and sorts them by name or time; the writer puts each file under its own name in ``remotePath`` and passes it on.
What SFTP adds:

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
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from dataflow.component import ParamProblem
from dataflow.errors import FatalError, RecordError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.storage.remote import RemoteFile, StoreReader, StoreStep, StoreWriter, Vanished
from steps.storage.sftp_session import Endpoint, RemoteError, SftpSession, join
from steps.storage.ssh_keys import HostKeyTrust, check_host_key_params, describe_key, load_client_key

TEMPORARY_SUFFIX = ".tmp"


class _SftpStep(StoreStep):
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
        # The validating process's environment decides whether a site-wide known_hosts file stands in.
        for name, message in check_host_key_params(params, os.environ):
            yield ParamProblem((name,) if name else (), message)

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._directory = str(params.get("remotePath") or ".")
        context.job.redactor.add(params.get("password"), params.get("passphrase"), params.get("privateKey"))

    @property
    def session(self) -> SftpSession:
        """The connected session, opened on first use."""
        if self._connection is None:
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
            session = SftpSession(endpoint, trust, cancel=self.context.job.cancel_event, log=self.log)
            try:
                session.connect()
            except BaseException:
                session.close()
                raise
            self._connection = session
            shown = describe_key(session.server_key) if session.server_key else "?"
            self.context.info(
                f"connected to {endpoint.where} with {endpoint.methods}; host key {shown} matches {trust.source}"
            )
        return self._connection

    @property
    def where(self) -> str:
        host, port = self.params["host"], int(self.params.get("port") or 22)
        return f"{host}:{port}" if port != 22 else str(host)


class ReadSftp(_SftpStep, StoreReader):
    """Emit the files of ``remotePath`` whose names match ``fileNameRegex``, sorted, one download at a time."""

    type: ClassVar[str] = "datasource.read.sftp"

    def list_files(self) -> list[RemoteFile]:
        try:
            return self.session.list_files(self._directory)
        except RemoteError as problem:
            raise FatalError(f"cannot list {self._directory} on {self.where}: {problem.reason}") from None

    def fetch(self, remote: RemoteFile, local: Path) -> int:
        try:
            return self.session.download(remote.path, local)
        except RemoteError as problem:
            if problem.no_such_file:  # removed since the listing (another consumer took it)
                raise Vanished from None
            raise FatalError(f"cannot download {remote.path} from {self.where}: {problem.reason}") from None


class WriteSftp(_SftpStep, StoreWriter):
    """Upload each incoming file into ``remotePath`` under its own name; pass the file on."""

    type: ClassVar[str] = "datasource.write.sftp"
    store_noun: ClassVar[str] = "an SFTP server"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._temporary = bool(params.get("temporaryUploadExtension", False))
        self._checked_directory = False

    def put(self, file: FileRef, name: str) -> tuple[str, int]:
        session = self.session
        if not self._checked_directory:
            self._check_directory(session)
        final = join(self._directory, name)
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
        return final, sent

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
