"""What every remote file store's reader and writer share (SFTP, FTP, S3, Azure Blob), so each connector only
says how to list, fetch and put on its own protocol.

- **Selection** (:class:`FileSelection`): ``fileNameRegex`` must match the whole name (Java ``matches()``),
  ``sortBy`` ``name``/``time`` with ``sortOrder``, and the delta rule: unless the job is a full extract, only
  files modified since the start of the delta window (the watermark, or the first-run window) are read.
  IdentitySync does not document a delta rule for file stores; ours is "mtime at or after the window's start,
  to the whole second". Stores report times to the second (FTP ``MDTM``, SFTP), and a file written in the same
  second as the last successful job started must not be lost, so the boundary second is read again: a file is
  read twice rather than never. A file whose time the store does not report is always read. Our own writers'
  in-progress names (``.NAME.<8 hex>.part`` of the local writer, ``NAME.<8 hex>.tmp`` of the FTP and SFTP
  writers) are never selected, even by ``.*``: a writer killed mid-upload leaves one behind, and reading it
  would feed half a file into the next flow.
- **Names** (:func:`remote_name`): a file travels under its base name only; a name that would climb out of the
  target folder or carries control characters is refused, so nothing lands outside ``remotePath``/the prefix.
- **Reading** (:class:`StoreReader`): list, select, then download one file at a time into the step's work
  directory and hand it on before fetching the next; a file that disappeared since the listing is skipped.
- **Writing** (:class:`StoreWriter`): each file is written so that a failure never leaves a partial object under
  its final name. Each connector commits in its own way (an S3 multipart upload completed at the end, an
  Azure block list committed at the end, an FTP upload to a temporary name renamed at the end) and aborts on
  failure; :func:`aborting` is that shape.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from dataflow.component import Component, FileStep, Reader
from dataflow.errors import FatalError, RecordError
from dataflow.files import FileRef
from dataflow.javaregex import Pattern, compile_regex
from dataflow.runtime.context import JobContext

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
IN_PROGRESS = re.compile(r"\..+\.[0-9a-f]{8}\.part|.+\.[0-9a-f]{8}\.tmp")  # our writers' temporary names


@dataclass(frozen=True)
class RemoteFile:
    """One file (object, blob) a store listed: its base name, where it is, its size and modification time."""

    name: str
    path: str  # the store's address of it: a remote path, an object key, a blob name
    size: int | None
    mtime: float | None  # seconds since the epoch, UTC
    version: str | None = None  # an ETag: lets a resumed download insist on the same content


def remote_name(name: str, store: str = "the server") -> str:
    """The last component of ``name``, so that no file can land outside the target folder.

    Both ``/`` and ``\\`` separate (a Windows server reads a backslash as a separator).
    """
    base = re.split(r"[/\\]", name)[-1]
    if base in ("", ".", "..") or _CONTROL.search(base):
        raise RecordError(f"file name {name!r} cannot be used on {store}", fileName=name)
    return base


@dataclass(frozen=True)
class FileSelection:
    pattern: Pattern  # a Java regex, as IdentitySync's are (named groups, \\Q...\\E, \\p{...})
    sort_by: str = "time"
    descending: bool = False
    since: datetime | None = None  # None: every file (a full extract, or a reader without the delta rule)

    @classmethod
    def from_params(cls, params: dict[str, Any], job: JobContext | None, delta: bool = True) -> FileSelection:
        return cls(
            pattern=compile_regex(params.get("fileNameRegex") or ".*"),
            sort_by=params.get("sortBy", "time"),
            descending=str(params.get("sortOrder", "ASC")).upper() == "DESC",
            since=job.delta_since if (delta and job is not None and not job.full_extract) else None,
        )

    def select(self, listed: Iterable[RemoteFile]) -> list[RemoteFile]:
        """The files to read, in the order asked for."""
        found = [
            entry
            for entry in listed
            if self.pattern.fullmatch(entry.name) and not IN_PROGRESS.fullmatch(entry.name) and self._changed(entry)
        ]
        if self.sort_by == "name":
            found.sort(key=lambda entry: entry.name, reverse=self.descending)
        else:
            found.sort(key=lambda entry: (entry.mtime or 0, entry.name), reverse=self.descending)
        return found

    def _changed(self, entry: RemoteFile) -> bool:
        if self.since is None or entry.mtime is None:
            return True
        return entry.mtime >= int(self.since.timestamp())  # the window's first second is read again

    def describe(self, selected: int, listed: int, where: str) -> str:
        window = f", changed since {self.since:%Y-%m-%d %H:%M:%S} UTC" if self.since is not None else ""
        return f"{selected} of {listed} file(s) in {where} match {self.pattern.pattern!r}{window}"


class StoreStep(Component):
    """What every store's reader and writer share: a connection (session, client) opened on first use and
    closed once, and trace lines under the step's id (``fileNameRegex`` is checked as a Java regex by the
    params schemas' ``format: regex``)."""

    _connection: Any = None

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def log(self, level: str, message: str) -> None:
        self.context.job.trace.log(level, message, self.context.step_id)


class Vanished(Exception):
    """The file was removed between the listing and its download (another consumer took it)."""


class StoreReader(Reader):
    """List, select, download one at a time. Override ``list_files``, ``fetch`` and ``where``."""

    produces: ClassVar[Any] = "files"
    delta: ClassVar[bool] = True  # apply the delta rule (off for a local directory the user fills by hand)

    def list_files(self) -> list[RemoteFile]:
        raise NotImplementedError

    def fetch(self, remote: RemoteFile, local: Path) -> int:
        """Download ``remote`` into ``local``; returns the bytes written. Raise ``Vanished`` if it is gone."""
        raise NotImplementedError

    @property
    def where(self) -> str:
        raise NotImplementedError

    def partitions(self) -> list[RemoteFile] | None:
        """One partition per file, in the order a single read downloads them (each partition connects itself)."""
        selected = self._selected()
        self.close()
        return selected if len(selected) > 1 else None

    def read(self) -> Iterator[list[FileRef]]:
        for remote in [self.partition] if self.partition is not None else self._selected():
            self.context.job.check_cancelled()
            local = self.context.new_file_path(remote.name)
            started = time.perf_counter()
            try:
                size = self.fetch(remote, local)
            except Vanished:
                local.unlink(missing_ok=True)
                self.context.warn(f"{remote.path} disappeared from {self.where} before it was downloaded; skipped")
                continue
            except BaseException:
                local.unlink(missing_ok=True)
                raise
            self.context.info(f"downloaded {remote.path} ({size:,} bytes{rate(size, started)})")
            yield [FileRef(name=remote.name, path=local, size=size)]
        self.close()  # done with the store: free its connection while the rest of the job runs

    def _selected(self) -> list[RemoteFile]:
        selection = FileSelection.from_params(self.params, self.context.job, delta=self.delta)
        listed = self.list_files()
        selected = selection.select(listed)
        self.context.info(selection.describe(len(selected), len(listed), self.where))
        return selected


class StoreWriter(FileStep):
    """Put each incoming file under its base name; pass it on. Override ``put`` (and ``where``)."""

    store_noun: ClassVar[str] = "the server"

    def put(self, file: FileRef, name: str) -> tuple[str, int]:
        """Write ``file`` as ``name``, committed only once complete; returns (where it landed, bytes sent)."""
        raise NotImplementedError

    @property
    def where(self) -> str:
        raise NotImplementedError

    def process_file(self, file: FileRef) -> FileRef:
        name = remote_name(file.name, self.store_noun)
        started = time.perf_counter()
        target, sent = self.put(file, name)
        self.context.info(f"uploaded {name} to {target} on {self.where} ({sent:,} bytes{rate(sent, started)})")
        return file


@contextlib.contextmanager
def aborting(abort: Callable[[], Any]) -> Iterator[None]:
    """Run ``abort`` (best effort) if the block fails, then let the failure go on: an upload never half-lands.

    A failure of ``abort`` itself is swallowed so that it cannot hide the one being reported.
    """
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            abort()
        raise


def read_chunks(path: Path, size: int) -> Iterator[bytes]:
    """The local file in chunks of ``size`` bytes (never the whole file in memory)."""
    try:
        handle = path.open("rb")
    except OSError as problem:
        raise FatalError(f"cannot read {path}: {problem.strerror}") from None
    with handle:
        while chunk := handle.read(size):
            yield chunk


def rate(size: int, started: float) -> str:
    elapsed = time.perf_counter() - started
    if size < 1 << 20 or elapsed <= 0:
        return ""
    return f", {size / elapsed / 1e6:.1f} MB/s"
