"""``file.format.dsv``: records → delimiter-separated files, spilled to disk as they arrive.

Columns are the record fields in order of first appearance. When a later record brings a new field, the
current file is rewritten at the end with the wider header and padded rows, so memory never holds the stream.
Values: ``None`` → empty, booleans → ``true``/``false`` (as IdentitySync's Java engine writes them),
objects and arrays → JSON text.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import IO, Any, ClassVar

from dataflow import jsonio
from dataflow.component import Record
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.file.dsv_dialect import writer_options
from steps.file.parts import PartedFormatter

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


class FormatDsv(PartedFormatter):
    """Write records as CSV/DSV files (separator, quoting, escape, line end and header as IdentitySync's params say)."""

    type: ClassVar[str] = "file.format.dsv"
    default_name: ClassVar[str] = "file.csv"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._options = writer_options(params)
        self._write_header = bool(params.get("writeHeader", True))
        self._columns: list[str] = []
        self._column_set: set[str] = set()
        self._columns_tuple: tuple[str, ...] = ()
        self._header_columns = 0
        self._writer: Any = None

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
        self._records_in_part += len(records)

    def _learn_columns(self, record: Record) -> None:
        for key in record:
            if key not in self._column_set:
                self._column_set.add(key)
                self._columns.append(key)
        self._columns_tuple = tuple(self._columns)

    # parts ------------------------------------------------------------------------------------------------
    def start_part(self, path: Path) -> IO[str]:
        handle = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by PartedFormatter
        self._writer = csv.writer(handle, **self._options)
        self._header_columns = len(self._columns)
        if self._write_header and self._columns:
            self._writer.writerow(self._columns)
        return handle

    def after_close(self, path: Path) -> None:
        if len(self._columns) != self._header_columns:
            self._widen(path)

    def _widen(self, path: Path) -> None:
        """Rewrite a part whose columns grew after its header was written: new header, rows padded."""
        width = len(self._columns)
        reader_options = {k: v for k, v in self._options.items() if k not in ("lineterminator", "quoting")}
        temporary = path.with_name(path.name + ".widen")
        with (
            open(path, encoding="utf-8", newline="") as source,
            open(temporary, "w", encoding="utf-8", newline="") as target,
        ):
            rows = csv.reader(source, **reader_options)
            writer = csv.writer(target, **self._options)
            if self._write_header:
                next(rows, None)
                writer.writerow(self._columns)
            for row in rows:
                writer.writerow(row + [""] * (width - len(row)))
        os.replace(temporary, path)
