"""What every formatter shares: its output as numbered parts, each opened, filled and closed in turn.

``maxFileSize`` (megabytes) starts a new part once a part has reached the limit: ``name.ext``, then
``name_1.ext``, ``name_2.ext``, ... ``createEmptyFile`` writes one (empty) part when no record arrived.
Subclasses say how a part starts (``start_part``), ends (``end_part``) and is fixed up once closed
(``after_close``); this class keeps the part bookkeeping, the names and the trace lines.

In a partitioned run each partition writes its own parts; ``join`` turns them into what one run writes. Without
``maxFileSize`` that is one file: the parts' bodies are concatenated under one opening and closing
(``concatenate``), byte for byte what one run writes when the records come in partition order. With
``maxFileSize`` the parts are kept as parts, renumbered in order: every part still respects the size, but a
partition's last part is usually smaller, so there may be more parts than one run would write.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import IO, Any, ClassVar

from dataflow.component import Formatter
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext

MEGABYTE = 1024 * 1024
_COPY_CHUNK = MEGABYTE


def part_name(file_name: str, part: int) -> str:
    """``name.ext`` for the first part, then ``name_1.ext``, ``name_2.ext``, ..."""
    if part == 0:
        return file_name
    stem, dot, suffix = file_name.rpartition(".")
    if not dot:
        return f"{file_name}_{part}"
    return f"{stem}_{part}.{suffix}"


class PartedFormatter(Formatter):
    default_name: ClassVar[str] = "file"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        max_size = params.get("maxFileSize")
        self._max_bytes = int(float(max_size) * MEGABYTE) if max_size else None
        self._create_empty = bool(params.get("createEmptyFile", True))
        self._file_name = params.get("fileName") or self.default_name
        self._handle: IO[Any] | None = None
        self._current: FileRef | None = None
        self._part = 0
        self._records_in_part = 0
        self._written: list[dict[str, Any]] = []

    # hooks --------------------------------------------------------------------------------------------------
    def start_part(self, path: Path) -> IO[Any]:
        """Open the part's file and write what comes before the first record; return the handle."""
        raise NotImplementedError

    def end_part(self) -> None:
        """Write what comes after the last record (the handle is still open)."""

    def after_close(self, path: Path) -> None:
        """Fix up a closed part (e.g. rewrite its header)."""

    def part_details(self) -> dict[str, Any]:
        """What a join needs to know about a part beyond its file (DSV: its columns)."""
        return {}

    def concatenate(self, parts: list[dict[str, Any]], target: Path) -> None:
        """Write into ``target`` the one file holding the records of ``parts``, in order."""
        raise NotImplementedError

    def adopt(self, part: dict[str, Any], earlier: list[dict[str, Any]], target: Path) -> None:
        """Put ``part`` at ``target`` as one run would have written it after ``earlier`` parts (default: move)."""
        shutil.move(part["path"], target)

    # Formatter ------------------------------------------------------------------------------------------------
    def finish_files(self) -> list[FileRef]:
        if self._handle is not None:
            return [self._close_part()]
        if self._part == 0 and self._create_empty:
            self._open_part()
            return [self._close_part()]
        return []

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    # partitions ---------------------------------------------------------------------------------------------
    def written(self) -> list[dict[str, Any]]:
        return list(self._written)

    def join(self, partitions: list[list[dict[str, Any]]]) -> list[FileRef]:
        parts = [part for written in partitions for part in written if part["records"]]
        if not parts:
            return self.finish_files()  # what one run writes when no record came: an empty file, or none
        if self._max_bytes is None:
            name = part_name(self._file_name, 0)
            target = self.context.new_file_path(name)
            self.concatenate(parts, target)
            for part in parts:
                os.unlink(part["path"])
            return [self._joined(target, name, parts)]
        files = []
        for number, part in enumerate(parts):
            name = part_name(self._file_name, number)
            target = self.context.new_file_path(name)
            self.adopt(part, parts[:number], target)
            files.append(self._joined(target, name, [part]))
        return files

    def _joined(self, path: Path, name: str, parts: list[dict[str, Any]]) -> FileRef:
        joined = FileRef.of(path, name)
        records = sum(part["records"] for part in parts)
        self.context.info(
            f"wrote {name} from {len(parts)} partition part(s): {records:,} records, {joined.size:,} bytes"
        )
        return joined

    # parts ----------------------------------------------------------------------------------------------------
    def _open_part(self) -> None:
        name = part_name(self._file_name, self._part)
        path = self.context.new_file_path(name)
        self._current = FileRef(name, path, 0)
        self._records_in_part = 0
        self._handle = self.start_part(path)

    def _close_part(self) -> FileRef:
        assert self._handle is not None and self._current is not None
        self.end_part()
        self._handle.close()
        self._handle = None
        self.after_close(self._current.path)
        finished = FileRef.of(self._current.path, self._current.name)
        self._written.append(
            {"path": str(finished.path), "records": self._records_in_part, "size": finished.size, **self.part_details()}
        )
        self._part += 1
        self.context.info(f"wrote {finished.name}: {self._records_in_part:,} records, {finished.size:,} bytes")
        return finished


def copy_range(source: str | Path, target: IO[bytes], start: int, length: int) -> None:
    """Copy ``length`` bytes of ``source`` from offset ``start`` to the end of ``target``."""
    with open(source, "rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(length, _COPY_CHUNK))
            if not chunk:
                raise OSError(f"{source} ended {length} bytes early")
            target.write(chunk)
            length -= len(chunk)
