"""``file.parse.dsv``: delimiter-separated files → records, streamed a batch at a time.

Header names stay literal keys even when they contain dots (``profile.firstName``), as IdentitySync does;
a later ``field.rename`` can nest them. A row whose field count does not match the header is a record-level
failure that carries its line number and raw values, so nothing is lost. Quoting is read strictly: text after
a closing quote (``"abc"def``, or an unclosed quote that swallowed the lines up to the next quote) fails the
lines it spans, with their numbers, and reading goes on with the next line.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any, ClassVar

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
        if len(head) < _SNIFF_BYTES or problem.start < len(head) - 4:  # not a character cut at the boundary
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
        state = _Progress()
        try:
            with open(file.path, encoding=charset, newline="") as handle:
                yield from self._parse_stream(file, handle, charset, state)
            return
        except UnicodeDecodeError as problem:
            if codecs.lookup(charset).name.startswith(("utf-16", "utf-32")):
                self._unreadable(file, state, _explain(problem, charset))
                return
        # Text mode decodes in large chunks, so the error surfaced ahead of rows not yet handed on. Resume
        # line by line after the last row handed on: only the rows holding undecodable bytes fail.
        with open(file.path, "rb") as raw:
            lines = _decoded_lines(raw, charset, state)
            yield from self._parse_stream(file, lines, charset, state)

    def _parse_stream(
        self, file: FileRef, source: Iterable[str], charset: str, state: _Progress
    ) -> Iterator[list[Record]]:
        rows = csv.reader(source, **self._options)
        offset = state.lines_done
        if state.header is None:
            try:
                header = next(rows, None)
            except csv.Error as problem:
                raise RecordError(f"{file.name}: cannot read the header: {problem}") from problem
            if header is None:
                self.context.info(f"{file.name}: empty file")
                return
            if state.bad_lines:
                raise RecordError(
                    f"{file.name}: cannot read the header: the text is not {_shown(charset)}; set fileCharset"
                )
            state.header = self._check_header(file, header)
            state.lines_done = rows.line_num
        header = state.header
        width = len(header)
        batch: list[Record] = []
        pending: list[tuple[Record, str]] = []
        limit = self.batch_limit()
        last_line = state.lines_done
        while True:
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as problem:  # bad quoting, a NUL byte, an oversized field: those lines fail alone
                line = offset + rows.line_num
                pending.append(self._unparsable(file, last_line + 1, line, problem))
                last_line = line
                continue
            line = offset + rows.line_num
            if state.bad_lines and any(last_line < bad <= line for bad in state.bad_lines):
                pending.append(self._undecodable(file, last_line + 1, line, row, charset))
            elif len(row) == width:
                batch.append(dict(zip(header, row, strict=True)))
            elif row:
                pending.append(self._bad_row(file, line, width, row))
            last_line = line
            if len(batch) >= limit:
                yield self._hand_on(batch, pending, file, state, line)
                batch, pending = [], []
                limit = self.batch_limit()
        batch = self._hand_on(batch, pending, file, state, last_line)
        if batch:
            yield batch

    def _hand_on(
        self, batch: list[Record], pending: list[tuple[Record, str]], file: FileRef, state: _Progress, line: int
    ) -> list[Record]:
        """Settle a batch: its failed rows are reported now, and the file is marked read up to ``line``."""
        for item, message in pending:
            self.reject(item, message)
        state.lines_done = line
        if self._infer:
            for record in batch:
                for key, value in record.items():
                    record[key] = infer(value)
        if self._add_filename:
            for record in batch:
                record["_fileName"] = file.name
        return batch

    def _unreadable(self, file: FileRef, state: _Progress, reason: str) -> None:
        if state.header is None:
            self.reject({"fileName": file.name}, f"{file.name}: cannot read the header: {reason}")
        else:
            line = state.lines_done
            self.reject(
                {"fileName": file.name, "line": line + 1},
                f"{file.name}: unreadable after line {line}: {reason}",
            )

    def _check_header(self, file: FileRef, header: list[str]) -> list[str]:
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        seen: set[str] = set()
        for name in header:
            if name in seen:
                raise RecordError(f"{file.name}: the header names column '{name}' twice")
            seen.add(name)
        return header

    @staticmethod
    def _bad_row(file: FileRef, line: int, width: int, row: list[str]) -> tuple[Record, str]:
        return (
            {"fileName": file.name, "line": line, "values": row},
            f"{file.name} line {line}: {len(row)} fields where the header has {width}",
        )

    @staticmethod
    def _unparsable(file: FileRef, first: int, last: int, problem: csv.Error) -> tuple[Record, str]:
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        return (
            {"fileName": file.name, "line": first, "lastLine": last},
            f"{file.name} {where}: cannot be read as a row: {problem}",
        )

    @staticmethod
    def _undecodable(file: FileRef, first: int, last: int, row: list[str], charset: str) -> tuple[Record, str]:
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        return (
            {"fileName": file.name, "line": first, "values": row},
            f"{file.name} {where}: the text is not {_shown(charset)}; set fileCharset",
        )


class _Progress:
    """How far a file has been handed on, so a parse can resume after a decoding failure without losing rows."""

    def __init__(self) -> None:
        self.header: list[str] | None = None
        self.lines_done = 0
        self.bad_lines: set[int] = set()


def _decoded_lines(raw: IO[bytes], charset: str, state: _Progress) -> Iterator[str]:
    """Lines after ``state.lines_done``, decoded one by one; undecodable ones are noted and passed on replaced."""
    for number, line in enumerate(raw, start=1):
        if number <= state.lines_done:
            continue
        try:
            yield line.decode(charset)
        except UnicodeDecodeError:
            state.bad_lines.add(number)
            yield line.decode(charset, "replace")


def _explain(problem: Exception, charset: str) -> str:
    if isinstance(problem, UnicodeDecodeError):
        bad = problem.object[problem.start : problem.start + 1].hex()
        return f"the text is not {_shown(charset)} (byte 0x{bad}: {problem.reason}); set fileCharset"
    return str(problem)


def _shown(charset: str) -> str:
    return "UTF-8" if charset == "utf-8-sig" else charset


def _python_codec(charset: str) -> str:
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        raise ValueError(f"unknown fileCharset '{charset}'") from None
    return "utf-8-sig" if name == "utf-8" else name
