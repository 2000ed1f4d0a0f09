"""``file.format.json`` and ``file.format.jsonl``: records → JSON files, streamed to disk as they arrive.

``file.format.json`` writes one JSON array per file (``{"<wrapField>": [...]}`` when ``wrapField`` is set), one
record per line inside the array; ``file.format.jsonl`` writes one JSON object per line. Neither ever holds a
list of records: the opening bracket is written when a file is opened, each record is encoded and appended
with its separator, and the closing bracket is written when the file is closed, so every part is a complete
JSON document whatever the stream's size.

``maxFileSize`` (megabytes) starts a new part (``name_1.json``, ``name_2.json``, ...) once a part has reached
the limit. The bytes are counted as they are written, so the check runs after every record and a part passes
the limit by at most one record (``file.format.dsv`` checks every 200 records because ``tell()`` costs a call).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, ClassVar

from dataflow import jsonio
from dataflow.component import Record
from dataflow.errors import RecordError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.file.parts import PartedFormatter, copy_range

_BUFFER = 1024 * 1024  # write buffer: fewer system calls for many small records


class _JsonFormatter(PartedFormatter):
    """The shared streaming writer; subclasses say what opens, separates and closes a file."""

    default_name: ClassVar[str] = "file.json"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._bytes_in_part = 0

    # what a file looks like -----------------------------------------------------------------------------
    def opening(self) -> bytes:
        return b""

    def separator(self, first: bool) -> bytes:
        """Bytes written before a record's JSON text."""
        return b""

    def terminator(self) -> bytes:
        """Bytes written after a record's JSON text."""
        return b""

    def closing(self, empty: bool) -> bytes:
        return b""

    def encode(self, record: Record) -> bytes:
        """The record's bytes in the file; ``RecordError`` sends it down the error path instead."""
        try:
            return jsonio.dumpb(record)
        except (TypeError, ValueError) as problem:  # orjson: integers past 64 bits, nesting too deep
            raise RecordError(f"the record cannot be written as JSON: {problem}") from None

    # Formatter -------------------------------------------------------------------------------------------
    def write(self, records: list[Record]) -> list[FileRef]:
        finished: list[FileRef] = []
        encode = self.encode
        terminator = self.terminator()
        for record in records:
            try:
                text = encode(record)
            except RecordError as failure:
                self.reject(record, failure.message, **failure.details)
                continue
            if self._handle is None:
                self._open_part()
            assert self._handle is not None
            chunk = self.separator(self._records_in_part == 0) + text + terminator
            self._handle.write(chunk)
            self._records_in_part += 1
            self._bytes_in_part += len(chunk)
            if self._max_bytes is not None and self._bytes_in_part >= self._max_bytes:
                finished.append(self._close_part())
        return finished

    # parts -----------------------------------------------------------------------------------------------
    def start_part(self, path: Path) -> IO[bytes]:
        handle = open(path, "wb", buffering=_BUFFER)  # noqa: SIM115 - closed by PartedFormatter
        opening = self.opening()
        handle.write(opening)
        self._bytes_in_part = len(opening)
        return handle

    def end_part(self) -> None:
        assert self._handle is not None
        self._handle.write(self.closing(self._records_in_part == 0))

    def concatenate(self, parts: list[dict[str, Any]], target: Path) -> None:
        """One opening, the parts' records with the separator one run puts between records, one closing."""
        head = self.opening() + self.separator(True)
        tail = self.closing(False)
        with open(target, "wb", buffering=_BUFFER) as out:
            out.write(head)
            for number, part in enumerate(parts):
                if number:
                    out.write(self.separator(False))
                copy_range(part["path"], out, len(head), part["size"] - len(head) - len(tail))
            out.write(tail)


class FormatJson(_JsonFormatter):
    """Write records as a JSON array per file, or as ``{"<wrapField>": [...]}`` when ``wrapField`` is set.

    One record per line inside the array keeps the files readable with line tools and diffs small.
    """

    type: ClassVar[str] = "file.format.json"
    default_name: ClassVar[str] = "file.json"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        wrap = params.get("wrapField")
        self._opening = b"{" + jsonio.dumpb(wrap) + b":[" if wrap else b"["
        self._closing = b"]}" if wrap else b"]"

    def opening(self) -> bytes:
        return self._opening

    def separator(self, first: bool) -> bytes:
        return b"\n" if first else b",\n"

    def closing(self, empty: bool) -> bytes:
        return self._closing + b"\n" if empty else b"\n" + self._closing + b"\n"


class FormatJsonLines(_JsonFormatter):
    """Write records as JSON lines: one object per line, the format large exports and ``jq -c`` use."""

    type: ClassVar[str] = "file.format.jsonl"
    default_name: ClassVar[str] = "file.jsonl"

    def terminator(self) -> bytes:
        return b"\n"
