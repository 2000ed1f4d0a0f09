"""What every formatter shares: its output as numbered parts, each opened, filled and closed in turn.

``maxFileSize`` (megabytes) starts a new part once a part has reached the limit: ``name.ext``, then
``name_1.ext``, ``name_2.ext``, ... ``createEmptyFile`` writes one (empty) part when no record arrived.
Subclasses say how a part starts (``start_part``), ends (``end_part``) and is fixed up once closed
(``after_close``); this class keeps the part bookkeeping, the names and the trace lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, ClassVar

from dataflow.component import Formatter
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext

MEGABYTE = 1024 * 1024


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

    # hooks --------------------------------------------------------------------------------------------------
    def start_part(self, path: Path) -> IO[Any]:
        """Open the part's file and write what comes before the first record; return the handle."""
        raise NotImplementedError

    def end_part(self) -> None:
        """Write what comes after the last record (the handle is still open)."""

    def after_close(self, path: Path) -> None:
        """Fix up a closed part (e.g. rewrite its header)."""

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
        self._part += 1
        self.context.info(f"wrote {finished.name}: {self._records_in_part:,} records, {finished.size:,} bytes")
        return finished
