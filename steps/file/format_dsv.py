"""``file.format.dsv``: records → delimiter-separated files, spilled to disk as they arrive.

Columns are the record fields in order of first appearance. When a later record brings a new field, the
current file is rewritten at the end with the wider header and padded rows, so memory never holds the stream.
Values: ``None`` → empty, booleans → ``true``/``false`` (as IdentitySync's Java engine writes them),
objects and arrays → JSON text.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import IO, Any, ClassVar

from dataflow import jsonio
from dataflow.component import Record
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.file.dsv_dialect import writer_options
from steps.file.parts import PartedFormatter, copy_range

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
        temporary = path.with_name(path.name + ".widen")
        with open(temporary, "w", encoding="utf-8", newline="") as target:
            self._rewrite(path, self._columns, self._columns, target, header=True)
        os.replace(temporary, path)

    def _rewrite(self, path: Path | str, columns: list[str], wanted: list[str], target: IO[str], header: bool) -> None:
        """Copy the rows of ``path`` (written under ``columns``) into ``target`` under ``wanted``; "" where absent."""
        reader_options = {k: v for k, v in self._options.items() if k not in ("lineterminator", "quoting")}
        where = {column: index for index, column in enumerate(columns)}
        picks = [where.get(column) for column in wanted]
        writer = csv.writer(target, **self._options)
        with open(path, encoding="utf-8", newline="") as source:
            rows = csv.reader(source, **reader_options)
            if self._write_header:
                next(rows, None)
                if header:
                    writer.writerow(wanted)
            for row in rows:
                writer.writerow(["" if i is None or i >= len(row) else row[i] for i in picks])

    # partitions ---------------------------------------------------------------------------------------------
    def part_details(self) -> dict[str, Any]:
        return {"columns": list(self._columns)}

    def concatenate(self, parts: list[dict[str, Any]], target: Path) -> None:
        """One header of every part's columns in order of first appearance; rows copied, or remapped to it."""
        columns = _union(part["columns"] for part in parts)
        with open(target, "wb") as out:
            if self._write_header:
                out.write(self._header_bytes(columns))
            for part in parts:
                self._append_part(part, columns, out)

    def adopt(self, part: dict[str, Any], earlier: list[dict[str, Any]], target: Path) -> None:
        """A part as one run's would be: headed by every column seen so far, when that is more than its own."""
        columns = _union(p["columns"] for p in [*earlier, part])
        if columns == part["columns"]:
            super().adopt(part, earlier, target)
            return
        with open(target, "wb") as out:
            if self._write_header:
                out.write(self._header_bytes(columns))
            self._append_part(part, columns, out)
        os.unlink(part["path"])

    def _append_part(self, part: dict[str, Any], columns: list[str], out: IO[bytes]) -> None:
        if part["columns"] == columns:
            skip = len(self._header_bytes(columns)) if self._write_header else 0
            copy_range(part["path"], out, skip, part["size"] - skip)
            return
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        self._rewrite(part["path"], part["columns"], columns, text, header=False)
        text.detach()

    def _header_bytes(self, columns: list[str]) -> bytes:
        buffer = io.StringIO(newline="")
        if columns:
            csv.writer(buffer, **self._options).writerow(columns)
        return buffer.getvalue().encode("utf-8")


def _union(column_lists: Any) -> list[str]:
    """Columns in order of first appearance across the lists, as one run would have met them."""
    return list(dict.fromkeys(column for columns in column_lists for column in columns))
