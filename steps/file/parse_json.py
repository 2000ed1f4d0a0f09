"""``file.parse.json``: JSON files → records, streamed a batch at a time whatever the file's size.

Three layouts are read, and told apart from the file itself unless ``format`` says which:

- a JSON array of objects (``[{...}, {...}]``), what ``file.format.json`` writes;
- one object holding the records in an array field (``{"results": [...], "totalCount": 2}``, or what
  ``file.format.json`` writes with ``wrapField``): the field named by ``wrapField``, else the first top-level
  field holding an array; an object with no array field is read as one record;
- JSON lines (one object per line), what ``file.format.jsonl`` writes.

Auto-detection: a name ending ``.jsonl``/``.ndjson``/``.jsonlines`` means JSON lines; else the first character
decides (``[`` array, ``{`` object); a ``{`` file whose first line is a complete object with more lines after it
is JSON lines. A one-line object file named ``.json`` is therefore an object document: a one-record JSON-lines
file should be named ``.jsonl`` or parsed with ``format: lines``.

Arrays are streamed with ijson (its C backend), so memory holds one batch of records, never the file; JSON lines
are read line by line. A bad line fails alone, with its line number. A broken array or object cannot be read
past the break: the records before it go on, and the file adds one failed record that names it and the
position (the count of items read before the break).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from typing import IO, Any, ClassVar

import ijson

from dataflow import jsonio
from dataflow.component import Parser, Record
from dataflow.errors import RecordError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext

_LINES_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
_FIRST_LINE_CAP = 16 * 1024 * 1024  # a longer first line is taken for a one-line object, not JSON lines
_SCAN_CHUNK = 64 * 1024
_WHITESPACE = b" \t\r\n"
_STARTS = frozenset({"start_map", "start_array"})
_ENDS = frozenset({"end_map", "end_array"})


class ParseJson(Parser):
    """Read JSON arrays, wrapped arrays and JSON lines into records."""

    type: ClassVar[str] = "file.parse.json"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._add_filename = bool(params.get("addFilename", False))
        self._wrap: str | None = params.get("wrapField") or None
        self._format = str(params.get("format") or "auto")

    def parse(self, file: FileRef) -> Iterator[list[Record]]:
        with open(file.path, "rb") as handle:
            start = _skip_bom(handle)
            first = _first_character(handle)
            if first is None:
                self.context.info(f"{file.name}: empty file")
                return
            handle.seek(start)
            layout = self._layout(file, handle, first)
            handle.seek(start)
            if layout == "lines":
                values: Iterable[Any] = self._lines(file, handle)
            elif layout == "array":
                values = self._elements(file, ijson.items(handle, "item", use_float=True))
            else:
                values = self._object(file, handle)
            yield from self._batched(file, values)

    # layouts ---------------------------------------------------------------------------------------------
    def _layout(self, file: FileRef, handle: IO[bytes], first: bytes) -> str:
        wanted = self._format
        if wanted == "lines":
            return wanted
        if wanted == "array" and first != b"[":
            raise RecordError(f"{file.name}: not a JSON array (it starts with {_shown(first)})")
        if wanted == "object" and first != b"{":
            raise RecordError(f"{file.name}: not a JSON object (it starts with {_shown(first)})")
        if wanted != "auto":
            return wanted
        if file.name.lower().endswith(_LINES_SUFFIXES):
            return "lines"
        if first == b"[":
            return "array"
        if first != b"{":
            raise RecordError(f"{file.name}: not JSON (it starts with {_shown(first)}, not [ or {{)")
        return "lines" if _looks_like_lines(handle) else "object"

    def _lines(self, file: FileRef, handle: IO[bytes]) -> Iterator[Any]:
        """One value per line; a line that is not JSON fails alone, with its number and raw text."""
        loads = jsonio.loads
        for number, raw in enumerate(handle, start=1):
            line = raw.strip(_WHITESPACE)
            if not line:
                continue
            try:
                value = loads(line)
            except jsonio.JSONDecodeError as problem:
                self.reject(
                    {"fileName": file.name, "line": number, "value": raw.decode("utf-8", "replace").rstrip("\r\n")},
                    f"{file.name} line {number}: not valid JSON: {problem}",
                )
                continue
            if type(value) is dict:
                yield value
            else:
                self.reject(
                    {"fileName": file.name, "line": number, "value": value},
                    f"{file.name} line {number}: a JSON {_kind(value)}, not an object",
                )

    def _object(self, file: FileRef, handle: IO[bytes]) -> Iterator[Any]:
        """The records of an object document: its ``wrapField`` array, its first array field, or itself."""
        start = handle.tell()
        events = ijson.parse(handle, use_float=True)
        builder = None if self._wrap else ijson.ObjectBuilder()  # the object itself, if it has no array field
        depth = 0
        key: str | None = None
        try:
            for _, event, value in events:
                if depth == 0 and event != "start_map":
                    raise RecordError(f"{file.name}: not a JSON object")
                if depth == 1 and event == "map_key":
                    key = value
                elif depth == 1 and event == "start_array" and (self._wrap is None or key == self._wrap):
                    break
                if event in _STARTS:
                    depth += 1
                elif event in _ENDS:
                    depth -= 1
                if builder is not None:
                    builder.event(event, value)
            else:
                if self._wrap is not None:
                    raise RecordError(f"{file.name}: no array field '{self._wrap}' at the top level")
                assert builder is not None
                self.context.info(f"{file.name}: an object with no array field, read as one record")
                yield builder.value
                return
        except ijson.JSONError as problem:
            raise RecordError(f"{file.name}: not valid JSON: {_reason(problem)}", afterItem=0) from None
        assert key is not None
        self.context.debug(f"{file.name}: records are the elements of '{key}'")
        if key and "." not in key:
            # ijson's C path over the file is several times faster than following the event stream in Python;
            # a key with a dot would make its prefix ambiguous, so those take the slower path below.
            handle.seek(start)
            yield from self._elements(file, ijson.items(handle, f"{key}.item", use_float=True), key)
        else:
            yield from self._elements(file, _array_from_events(events), key)

    def _elements(self, file: FileRef, values: Iterator[Any], field: str | None = None) -> Iterator[Any]:
        """Array elements; a non-object fails alone; a break in the JSON fails the rest of the file."""
        where = f" of '{field}'" if field else ""
        count = 0
        try:
            for value in values:
                count += 1
                if type(value) is dict:
                    yield value
                else:
                    self.reject(
                        {"fileName": file.name, "item": count, "value": value},
                        f"{file.name} item {count}{where}: a JSON {_kind(value)}, not an object",
                    )
        except ijson.JSONError as problem:
            raise RecordError(
                f"{file.name}: not valid JSON after item {count}{where}: {_reason(problem)}", afterItem=count
            ) from None

    # batches ---------------------------------------------------------------------------------------------
    def _batched(self, file: FileRef, values: Iterable[Any]) -> Iterator[list[Record]]:
        batch: list[Record] = []
        limit = self.batch_limit()
        try:
            for record in values:
                batch.append(record)
                if len(batch) >= limit:
                    yield self._hand_on(file, batch)
                    batch = []
                    limit = self.batch_limit()
        except RecordError:
            if batch:  # the records read before a break in the file still go on
                yield self._hand_on(file, batch)
            raise
        if batch:
            yield self._hand_on(file, batch)

    def _hand_on(self, file: FileRef, batch: list[Record]) -> list[Record]:
        if self._add_filename:
            for record in batch:
                record["_fileName"] = file.name
        return batch


def _skip_bom(handle: IO[bytes]) -> int:
    """Position after a UTF-8 byte-order mark (JSON has none by RFC 8259, but Windows tools write one)."""
    if handle.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8:
        return handle.tell()
    handle.seek(0)
    return 0


def _first_character(handle: IO[bytes]) -> bytes | None:
    while chunk := handle.read(_SCAN_CHUNK):
        stripped = chunk.lstrip(_WHITESPACE)
        if stripped:
            return stripped[:1]
    return None


def _looks_like_lines(handle: IO[bytes]) -> bool:
    """True when the first line is a complete JSON object and another non-blank line follows it."""
    first = handle.readline(_FIRST_LINE_CAP)
    if not first.endswith(b"\n"):
        return False  # one line only, or longer than the cap
    try:
        value = jsonio.loads(first)
    except jsonio.JSONDecodeError:
        return False
    if type(value) is not dict:
        return False
    return any(line.strip(_WHITESPACE) for line in iter(lambda: handle.readline(_SCAN_CHUNK), b""))


def _array_from_events(events: Iterator[tuple[str, str, Any]]) -> Iterator[Any]:
    """The elements of the array whose ``start_array`` was just read, built from ijson events."""
    builder: Any = None
    nesting = 0
    for _, event, value in events:
        if builder is None:
            if event == "end_array":
                break
            if event in _STARTS:
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                nesting = 1
            else:
                yield value
            continue
        builder.event(event, value)
        if event in _STARTS:
            nesting += 1
        elif event in _ENDS:
            nesting -= 1
            if nesting == 0:
                yield builder.value
                builder = None
    for _ in events:  # the rest of the document: read to the end so a break after the array is reported
        pass


def _reason(problem: Exception) -> str:
    """ijson's first line (``parse error: trailing garbage``), without the excerpt of the data it adds."""
    text = problem.args[0] if problem.args else str(problem)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text).strip().splitlines()[0] if str(text).strip() else type(problem).__name__


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def _shown(first: bytes) -> str:
    return repr(first.decode("latin-1"))
