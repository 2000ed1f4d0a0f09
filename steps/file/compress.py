"""``file.compress.*`` and ``file.uncompress.*``: gzip and zip, streamed in chunks, never a whole file in memory.

- ``file.compress.gzip``: each file → ``name.gz`` (the gzip header keeps the original name and time, so
  ``gunzip -N`` restores them).
- ``file.compress.zip``: each file → ``name.zip`` holding it; with ``fileName`` set, every file of the job goes
  into that one archive instead, emitted when the input ends.
- ``file.uncompress.gzip``: ``name.gz`` → ``name`` (``.tgz`` → ``.tar``).
- ``file.uncompress.zip``: each member of an archive → one file, named by the member's base name (writers
  flatten names too).

Archives come from outside, so unpacking is guarded: a member whose name is absolute or climbs out with ``..``
fails the whole archive before anything is written, and ``maxUncompressedSize`` caps what one input may unpack
to. The cap is checked against the sizes an archive declares and again while bytes are written (declared
sizes can lie), and an archive that passes it fails whole: nothing half-extracted goes on. A file that is not
compressed at all fails too, unless ``passThroughUncompressed`` lets it go on unchanged (for sources that mix
compressed and plain files).
"""

from __future__ import annotations

import gzip
import re
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, ClassVar

from dataflow.component import FileStep
from dataflow.errors import RecordError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.file.parts import MEGABYTE

_CHUNK = 1024 * 1024

_GZIP_MAGIC = b"\x1f\x8b"
_DRIVE = re.compile(r"^[A-Za-z]:")
_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, gzip.BadGzipFile)


class _TooLarge(Exception):
    """Unpacking went past ``maxUncompressedSize``."""


def _copy_limited(source: IO[bytes], target: IO[bytes], budget: int) -> int:
    """Copy in chunks; stop as soon as more than ``budget`` bytes came out (a bomb never reaches the disk)."""
    written = 0
    while chunk := source.read(_CHUNK):
        written += len(chunk)
        if written > budget:
            raise _TooLarge
        target.write(chunk)
    return written


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


class CompressGzip(FileStep):
    """Gzip each file into ``name.gz``."""

    type: ClassVar[str] = "file.compress.gzip"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._level = int(params.get("compressionLevel", 6))

    def process_file(self, file: FileRef) -> FileRef:
        name = f"{file.name}.gz"
        path = self.context.new_file_path(name)
        mtime = int(file.path.stat().st_mtime)
        with (
            open(file.path, "rb") as source,
            open(path, "wb") as raw,
            gzip.GzipFile(filename=name, mode="wb", fileobj=raw, compresslevel=self._level, mtime=mtime) as target,
        ):
            shutil.copyfileobj(source, target, _CHUNK)
        compressed = FileRef.of(path, name)
        self.context.debug(f"gzipped {file.name}: {file.size:,} → {compressed.size:,} bytes")
        return compressed


class CompressZip(FileStep):
    """Zip each file into ``name.zip``, or every file into the one archive ``fileName``."""

    type: ClassVar[str] = "file.compress.zip"

    @classmethod
    def partition_problem(cls, params: dict[str, Any]) -> str | None:
        if params.get("fileName"):
            return "with fileName it puts every file into one archive"
        return None

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._level = int(params.get("compressionLevel", 6))
        self._archive_name: str | None = params.get("fileName") or None
        self._archive: zipfile.ZipFile | None = None
        self._archive_ref: FileRef | None = None
        self._members: set[str] = set()

    def _open_zip(self, path: Path) -> zipfile.ZipFile:
        return zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=self._level, strict_timestamps=False
        )

    def process_file(self, file: FileRef) -> FileRef:
        name = f"{file.name}.zip"
        path = self.context.new_file_path(name)
        with self._open_zip(path) as archive:
            archive.write(file.path, arcname=_base_name(file.name))  # streams the file in chunks
        return FileRef.of(path, name)

    # one archive for everything ------------------------------------------------------------------------------
    def feed(self, batch: list) -> Iterator[list]:
        if self._archive_name is None:
            yield from super().feed(batch)
            return
        before = self.rejected_total
        for file in batch:
            self.context.job.check_cancelled()
            try:
                self._add(file)
            except RecordError as failure:
                self.reject(file, failure.message, **failure.details)
        rejected = self.rejected_total - before
        # A file put into the archive counts as out (as a formatter counts records written); filesOut the archive.
        self.counters.settle(len(batch), len(batch) - rejected, rejected)
        self.counters.files_in += len(batch)

    def _add(self, file: FileRef) -> None:
        member = _base_name(file.name)
        if member in self._members:
            raise RecordError(f"{file.name}: a file named '{member}' is already in {self._archive_name}")
        if self._archive is None:
            assert self._archive_name is not None
            path = self.context.new_file_path(self._archive_name)
            self._archive = self._open_zip(path)
            self._archive_ref = FileRef(self._archive_name, path, 0)
        self._archive.write(file.path, arcname=member)
        self._members.add(member)

    def finish(self) -> Iterator[list]:
        if self._archive is None or self._archive_ref is None:
            return
        self._archive.close()
        self._archive = None
        archive = FileRef.of(self._archive_ref.path, self._archive_ref.name)
        self.context.info(f"wrote {archive.name}: {len(self._members):,} files, {archive.size:,} bytes")
        self.counters.files_out += 1
        yield [archive]

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None


class _Uncompress(FileStep):
    """The guards both unpackers share: the size cap and what to do with a file that is not compressed."""

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._limit_mb = params.get("maxUncompressedSize", 10240)
        self._limit = int(float(self._limit_mb) * MEGABYTE)
        self._pass_plain = bool(params.get("passThroughUncompressed", False))

    def _not_compressed(self, file: FileRef, what: str) -> FileRef:
        if not self._pass_plain:
            raise RecordError(f"{file.name}: not {what}")
        self.context.info(f"{file.name}: not {what}; passed on unchanged")
        return file

    def _too_large(self, file: FileRef) -> RecordError:
        return RecordError(
            f"{file.name}: unpacks to more than maxUncompressedSize ({self._limit_mb} MB); nothing extracted",
            maxUncompressedSize=self._limit_mb,
        )


class UncompressGzip(_Uncompress):
    """Gunzip each ``name.gz`` into ``name``."""

    type: ClassVar[str] = "file.uncompress.gzip"

    def process_file(self, file: FileRef) -> FileRef:
        with open(file.path, "rb") as probe:
            if probe.read(2) != _GZIP_MAGIC:
                return self._not_compressed(file, "a gzip file")
        name = _gunzipped_name(file.name)
        path = self.context.new_file_path(name)
        try:
            with gzip.open(file.path, "rb") as source, open(path, "wb") as target:
                _copy_limited(source, target, self._limit)
        except _TooLarge:
            _remove(path)
            raise self._too_large(file) from None
        except _CORRUPT as problem:
            _remove(path)
            raise RecordError(f"{file.name}: corrupt gzip data: {problem}") from None
        return FileRef.of(path, name)


class UncompressZip(_Uncompress):
    """Unzip each archive into one file per member."""

    type: ClassVar[str] = "file.uncompress.zip"

    def process_file(self, file: FileRef) -> FileRef | list[FileRef]:
        if not zipfile.is_zipfile(file.path):
            return self._not_compressed(file, "a zip archive")
        written: list[Path] = []
        extracted: list[FileRef] = []
        try:
            with zipfile.ZipFile(file.path) as archive:
                members = self._checked_members(file, archive)
                budget = self._limit
                for member in members:
                    self.context.job.check_cancelled()
                    name = _base_name(member.filename)
                    path = self.context.new_file_path(name)
                    written.append(path)
                    with archive.open(member) as source, open(path, "wb") as target:
                        budget -= _copy_limited(source, target, budget)
                    extracted.append(FileRef.of(path, name))
        except _TooLarge:
            _remove(*written)
            raise self._too_large(file) from None
        except (*_CORRUPT, NotImplementedError, RuntimeError) as problem:
            _remove(*written)
            raise RecordError(f"{file.name}: cannot unzip: {problem}") from None
        except RecordError:
            _remove(*written)
            raise
        if not extracted:
            self.context.info(f"{file.name}: an empty archive")
        names = [ref.name for ref in extracted]
        if len(set(names)) != len(names):
            self.context.warn(f"{file.name}: members in different folders share a name; a writer may overwrite")
        return extracted

    def _checked_members(self, file: FileRef, archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
        """The members to extract, once every name and the declared total size have been checked."""
        members = [info for info in archive.infolist() if not info.is_dir()]
        for info in members:
            if _escapes(info.filename):
                raise RecordError(
                    f"{file.name}: member {info.filename!r} would land outside the target (absolute path or '..'); "
                    "nothing extracted",
                    member=info.filename,
                )
            if info.flag_bits & 0x1:
                raise RecordError(f"{file.name}: member {info.filename!r} is password-protected; nothing extracted")
        if sum(info.file_size for info in members) > self._limit:
            raise _TooLarge
        return members


def _base_name(name: str) -> str:
    return re.split(r"[/\\]", name)[-1] or "file"


def _escapes(name: str) -> bool:
    """An absolute name, a drive letter, or a ``..`` step: a member that would leave the extraction directory."""
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return True
    return ".." in re.split(r"[/\\]", name)


def _gunzipped_name(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".tgz"):
        return name[:-4] + ".tar"
    for suffix in (".gz", ".gzip"):
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
