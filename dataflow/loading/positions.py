"""Where things are in a document: positions, paths and the source map that links them.

Validation works on plain Python data (dicts, lists, scalars), which has forgotten where each
value came from.  The loaders therefore return a :class:`SourceMap` next to the data: for every
path from the document root it records where the value starts and, for mapping members, where
the key starts.  A validator that knows the path of a bad value (as ``jsonschema`` does) can then
point the flow author at a line and column.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

PathItem: TypeAlias = str | int
Path: TypeAlias = tuple[PathItem, ...]  # keys/indexes from the document root; () is the root


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a document; both numbers are 1-based, columns count characters (code points)."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


_START = Position(1, 1)


@dataclass
class SourceMap:
    """Positions of the values (and mapping keys) of one loaded document, by path."""

    values: dict[Path, Position] = field(default_factory=dict)  # where each value starts
    keys: dict[Path, Position] = field(default_factory=dict)  # where the key of a mapping member starts

    def locate(self, path: Sequence[PathItem], prefer_key: bool = False) -> Position:
        """Position of ``path``, or of its nearest existing ancestor when it does not exist.

        A missing required property thus points at the object that lacks it.  With
        ``prefer_key`` the key of the found member is returned when it has one, which reads
        better for errors such as "unknown property".  Digit strings and ints are accepted
        interchangeably as list indexes/keys, so a path parsed from a JSON pointer works too.
        """
        found = self._existing_prefix(path)
        if prefer_key and found in self.keys:
            return self.keys[found]
        return self.values.get(found, _START)

    def _existing_prefix(self, path: Sequence[PathItem]) -> Path:
        current: Path = ()
        for item in path:
            step = self._step(current, item)
            if step is None:
                break
            current = step
        return current

    def _step(self, current: Path, item: PathItem) -> Path | None:
        for candidate in _spellings(item):
            step = (*current, candidate)
            if step in self.values:
                return step
        return None


def _spellings(item: PathItem) -> tuple[PathItem, ...]:
    """The item itself, then its int/str twin (``0`` ↔ ``"0"``) as a fallback."""
    if isinstance(item, bool):
        return (item,)
    if isinstance(item, int):
        return (item, str(item))
    if isinstance(item, str) and item.isascii() and item.isdigit():
        return (item, int(item))
    return (item,)


def value_at(data: object, path: Sequence[PathItem]) -> object:
    """The value at ``path`` inside plain data, or None when the path does not exist."""
    node = data
    for part in path:
        try:
            node = node[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def json_pointer(path: Sequence[PathItem]) -> str:
    """RFC 6901 pointer for ``path`` (``~`` → ``~0``, ``/`` → ``~1``); the root is ``""``."""
    return "".join("/" + str(item).replace("~", "~0").replace("/", "~1") for item in path)


_LINE_BREAK = re.compile(r"\r\n?|\n")


class LineIndex:
    """Turns a character index into a :class:`Position` in O(log lines).

    Line breaks are LF, CRLF and a lone CR (as YAML and most editors count them).
    """

    def __init__(self, text: str) -> None:
        self._starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]

    def position(self, index: int) -> Position:
        line = bisect.bisect_right(self._starts, index)
        return Position(line, index - self._starts[line - 1] + 1)
