"""Loading dataflow documents (JSON or YAML) into plain data that remembers positions.

Every loader returns ``(data, source_map)``: ``data`` is ordinary dicts/lists/scalars (what
``json.load`` would give) and ``source_map`` tells, for any path into it, at which 1-based line
and column the value (or its key) is written, so validation errors can point into the file.
Malformed input raises :class:`DocumentSyntaxError`, which carries the same kind of position.
"""

from __future__ import annotations

import pathlib
from typing import Any

from dataflow.loading.errors import DocumentSyntaxError
from dataflow.loading.jsonpos import load_json
from dataflow.loading.positions import LineIndex, Path, Position, SourceMap, json_pointer, value_at
from dataflow.loading.yamlpos import load_yaml

__all__ = [
    "DocumentSyntaxError",
    "LineIndex",
    "Path",
    "Position",
    "SourceMap",
    "UnreadableDocument",
    "json_pointer",
    "load_document",
    "load_json",
    "load_yaml",
    "read_checked",
    "read_document",
    "value_at",
]

_JSON_SUFFIXES = frozenset({".json"})
_YAML_SUFFIXES = frozenset({".yaml", ".yml"})


def load_document(text: str, filename: str) -> tuple[Any, SourceMap]:
    """Parse ``text`` as JSON or YAML, chosen by the extension of ``filename``.

    ``.json`` is JSON and ``.yaml``/``.yml`` YAML; for any other name a document whose first
    non-blank character is ``{`` or ``[`` is JSON, anything else YAML.  Strict JSON is preferred
    when possible because it gives the more precise errors.
    """
    text = text.removeprefix("\ufeff")
    suffix = pathlib.PurePath(filename).suffix.lower()
    if suffix in _JSON_SUFFIXES:
        return load_json(text)
    if suffix in _YAML_SUFFIXES:
        return load_yaml(text)
    if text.lstrip()[:1] in ("{", "["):
        return load_json(text)
    return load_yaml(text)


def read_document(path: pathlib.Path) -> tuple[Any, SourceMap]:
    """Read a UTF-8 file (with or without a byte-order mark) and load it with :func:`load_document`."""
    raw = pathlib.Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad_byte = error.object[error.start]
        message = f"the file is not UTF-8 text (invalid byte 0x{bad_byte:02x} at offset {error.start})"
        raise DocumentSyntaxError(message, 1, 1) from None
    return load_document(text, pathlib.Path(path).name)


class UnreadableDocument(ValueError):
    """A document that is missing, unreadable or malformed; the message names FILE (and LINE:COL)."""


def read_checked(path: pathlib.Path) -> tuple[Any, SourceMap]:
    """:func:`read_document`, with every way of failing turned into one :class:`UnreadableDocument`."""
    try:
        return read_document(path)
    except OSError as problem:
        raise UnreadableDocument(f"cannot read {path}: {problem.strerror}") from problem
    except DocumentSyntaxError as problem:
        raise UnreadableDocument(f"{path}:{problem.line}:{problem.column}: {problem.message}") from problem
