"""``file.format.dsv``: records → delimiter-separated files, spilled to disk as they arrive.

Columns are the record fields in order of first appearance. When a later record brings a new field, the
current file is rewritten at the end with the wider header and padded rows, so memory never holds the stream.
Values: ``None`` → empty, booleans → ``true``/``false`` (as IdentitySync's Java engine writes them),
objects and arrays → JSON text.
"""

from __future__ import annotations

import csv
import os
from typing import IO, Any, ClassVar

from dataflow import jsonio
from dataflow.component import Formatter, Record
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.file.dsv_dialect import writer_options

_MEGABYTE = 1024 * 1024
_ROLLOVER_CHUNK = 200  # records written between size checks when maxFileSize is set
# csv writes these as they should appear (None as an empty cell); anything else goes through _cell.
_PLAIN = frozenset({str, int, type(None)})
_is_plain = _PLAIN.__contains__


def _cell(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind in (dict, list):
        return jsonio.dumps(value)
    return repr(value) if kind is float else str(value)


class FormatDsv(Formatter):
    """Write records as CSV/DSV files (separator, quoting, escape, line end and header as IdentitySync's params say)."""

    type: ClassVar[str] = "file.format.dsv"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._options = writer_options(params)
        self._write_header = bool(params.get("writeHeader", True))
        max_size = params.get("maxFileSize")
        self._max_bytes = int(float(max_size) * _MEGABYTE) if max_size else None
        self._create_empty = bool(params.get("createEmptyFile", True))
        self._file_name = params.get("fileName") or "file.csv"
        self._columns: list[str] = []
        self._column_set: set[str] = set()
        self._columns_tuple: tuple[str, ...] = ()
        self._header_columns = 0
        self._handle: IO[str] | None = None
        self._writer: Any = None
        self._part = 0
        self._rows_in_part = 0
        self._current: FileRef | None = None
        self._done: list[FileRef] = []

    # Formatter ----------------------------------------------------------------------------------------
    def write(self, records: list[Record]) -> list[FileRef]:
        finished: list[FileRef] = []
        if not records:
            return finished
        if self._max_bytes is None:
            self._write_rows(records)
            return finished
        for start in range(0, len(records), _ROLLOVER_CHUNK):
            self._write_rows(records[start : start + _ROLLOVER_CHUNK])
            assert self._handle is not None
            if self._handle.tell() >= self._max_bytes:
                finished.append(self._close_part())
        return finished

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

    # rows -------------------------------------------------------------------------------------------------
    def _write_rows(self, records: list[Record]) -> None:
        if self._handle is None:
            self._learn_columns(records[0])
            self._open_part()
        columns = self._columns_tuple
        rows = []
        append = rows.append
        for record in records:
            if tuple(record) != columns:
                if not self._column_set.issuperset(record):
                    self._learn_columns(record)
                    columns = self._columns_tuple
                values = [record.get(column) for column in columns]
            else:
                values = record.values()
            append(values if all(map(_is_plain, map(type, values))) else [_cell(v) for v in values])
        self._writer.writerows(rows)
        self._rows_in_part += len(records)

    def _learn_columns(self, record: Record) -> None:
        for key in record:
            if key not in self._column_set:
                self._column_set.add(key)
                self._columns.append(key)
        self._columns_tuple = tuple(self._columns)

    # parts ------------------------------------------------------------------------------------------------
    def _part_name(self) -> str:
        if self._part == 0:
            return self._file_name
        stem, dot, suffix = self._file_name.rpartition(".")
        if not dot:
            return f"{self._file_name}_{self._part}"
        return f"{stem}_{self._part}.{suffix}"

    def _open_part(self) -> None:
        path = self.context.new_file_path(self._part_name())
        self._handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed in _close_part
        self._writer = csv.writer(self._handle, **self._options)
        self._current = FileRef(self._part_name(), path, 0)
        self._header_columns = len(self._columns)
        self._rows_in_part = 0
        if self._write_header and self._columns:
            self._writer.writerow(self._columns)

    def _close_part(self) -> FileRef:
        assert self._handle is not None and self._current is not None
        self._handle.close()
        self._handle = None
        if len(self._columns) != self._header_columns:
            self._widen(self._current)
        finished = FileRef.of(self._current.path, self._current.name)
        self._part += 1
        self.context.info(f"wrote {finished.name}: {self._rows_in_part:,} records, {finished.size:,} bytes")
        return finished

    def _widen(self, part: FileRef) -> None:
        """Rewrite a part whose columns grew after its header was written: new header, rows padded."""
        width = len(self._columns)
        reader_options = {k: v for k, v in self._options.items() if k not in ("lineterminator", "quoting")}
        temporary = part.path.with_name(part.path.name + ".widen")
        with (
            open(part.path, encoding="utf-8", newline="") as source,
            open(temporary, "w", encoding="utf-8", newline="") as target,
        ):
            rows = csv.reader(source, **reader_options)
            writer = csv.writer(target, **self._options)
            if self._write_header:
                next(rows, None)
                writer.writerow(self._columns)
            for row in rows:
                writer.writerow(row + [""] * (width - len(row)))
        os.replace(temporary, part.path)
