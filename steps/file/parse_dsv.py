"""``file.parse.dsv``: delimiter-separated files → records, streamed a batch at a time.

Header names stay literal keys even when they contain dots (``profile.firstName``), as IdentitySync does;
a later ``field.rename`` can nest them. A row whose field count does not match the header is a record-level
failure that carries its line number and raw values, so nothing is lost.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from dataflow.component import Parser, Record
from dataflow.errors import RecordError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.file.dsv_dialect import reader_options

_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,17})")  # no leading zeros: "01234" is a zip code, not a number
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_SNIFF_BYTES = 64 * 1024


def infer(value: str) -> Any:
    """``inferTypes``: numbers and booleans become typed values; everything else stays text."""
    if value in ("true", "false"):
        return value == "true"
    if _INTEGER.fullmatch(value):
        return int(value)
    if _DECIMAL.fullmatch(value):
        return float(value)
    return value


def detect_charset(path: Any) -> str:
    """``fileCharset: auto-detect``: a byte-order mark decides; else UTF-8 when the start decodes, else cp1252."""
    with open(path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as problem:
        if problem.start < len(head) - 4:  # not merely a character cut at the sniff boundary
            return "cp1252"
    return "utf-8-sig"


class ParseDsv(Parser):
    """Read CSV/DSV files into records keyed by the header row."""

    type: ClassVar[str] = "file.parse.dsv"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._options = reader_options(params)
        self._infer = bool(params.get("inferTypes", False))
        self._add_filename = bool(params.get("addFilename", False))
        charset = str(params.get("fileCharset") or "UTF-8")
        self._charset = None if charset.lower() in ("auto-detect", "auto") else _python_codec(charset)

    def parse(self, file: FileRef) -> Iterator[list[Record]]:
        charset = self._charset or detect_charset(file.path)
        batch_size = self.context.job.batch_size
        with open(file.path, encoding=charset, newline="", errors="strict") as handle:
            rows = csv.reader(handle, **self._options)
            try:
                header = next(rows, None)
            except (UnicodeDecodeError, csv.Error) as problem:
                raise RecordError(f"{file.name}: cannot read the header: {problem}") from problem
            if header is None:
                self.context.info(f"{file.name}: empty file")
                return
            header = self._check_header(file, header)
            width = len(header)
            batch: list[Record] = []
            line = 1
            try:
                for row in rows:
                    line = rows.line_num
                    if len(row) == width:
                        batch.append(dict(zip(header, row, strict=True)))
                    elif row:
                        self._bad_row(file, line, header, row)
                        continue
                    if len(batch) >= batch_size:
                        yield self._finish(batch, file)
                        batch = []
            except (UnicodeDecodeError, csv.Error) as problem:
                self.reject(
                    {"fileName": file.name, "line": line + 1}, f"{file.name}: unreadable after line {line}: {problem}"
                )
            if batch:
                yield self._finish(batch, file)

    def _check_header(self, file: FileRef, header: list[str]) -> list[str]:
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        seen: set[str] = set()
        for name in header:
            if name in seen:
                raise RecordError(f"{file.name}: the header names column '{name}' twice")
            seen.add(name)
        return header

    def _bad_row(self, file: FileRef, line: int, header: list[str], row: list[str]) -> None:
        self.reject(
            {"fileName": file.name, "line": line, "values": row},
            f"{file.name} line {line}: {len(row)} fields where the header has {len(header)}",
        )

    def _finish(self, batch: list[Record], file: FileRef) -> list[Record]:
        if self._infer:
            for record in batch:
                for key, value in record.items():
                    record[key] = infer(value)
        if self._add_filename:
            for record in batch:
                record["_fileName"] = file.name
        return batch


def _python_codec(charset: str) -> str:
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        raise ValueError(f"unknown fileCharset '{charset}'") from None
    return "utf-8-sig" if name == "utf-8" else name
