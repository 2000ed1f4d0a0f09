"""A JSON parser that remembers where every value and key starts.

``json.loads`` returns data without positions and silently keeps the last of duplicate keys.
Flow authors need errors that point into their file, and a duplicated ``next`` or ``params``
is almost always a mistake that IdentitySync would hide, so this small recursive-descent parser
implements RFC 8259 exactly, records a :class:`SourceMap`, and refuses duplicate keys.

Strings are decoded by the stdlib's ``json.decoder.scanstring`` (strict: raw control characters
are rejected) and numbers use the stdlib's grammar restricted to ASCII digits, so results equal
``json.loads`` for every valid document without duplicate keys.  ``NaN``/``Infinity`` are not JSON
and are rejected.  Line/column come from a precomputed :class:`LineIndex`, so error reporting
stays linear.
"""

from __future__ import annotations

import re
from json import JSONDecodeError
from json.decoder import scanstring
from typing import Any

from dataflow.loading.errors import DocumentSyntaxError
from dataflow.loading.positions import LineIndex, Path, SourceMap

MAX_DEPTH = 200  # each level costs up to three Python frames; flow documents are far shallower

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_DIGITS = frozenset("0123456789")
_NUMBER_CHARS = frozenset("0123456789.eE+-")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_SURROGATE = re.compile("[\ud800-\udfff]")  # left in a decoded string only by a lone \uD800-\uDFFF escape
_SURROGATE_ESCAPES = re.compile(r"\\u[dD]([89abAB])[0-9a-fA-F]{2}(\\u[dD][c-fC-F][0-9a-fA-F]{2})?")


def _lone_surrogate(text: str, start: int, end: int) -> int:
    """Where the first escape that is not part of a high+low surrogate pair starts (``start`` if none is found)."""
    for match in _SURROGATE_ESCAPES.finditer(text, start, end):
        if match.group(2) is None:
            return match.start()
    low = re.compile(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}").search(text, start, end)
    return low.start() if low else start


def load_json(text: str) -> tuple[Any, SourceMap]:
    """Parse one JSON document; return the data and the positions of its values and keys.

    A leading byte-order mark is ignored.  Raises :class:`DocumentSyntaxError` on any error.
    """
    return _Parser(text.removeprefix("\ufeff")).parse_document()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = LineIndex(text)
        self.source_map = SourceMap()

    # -- errors ---------------------------------------------------------------------------

    def fail(self, message: str, index: int) -> DocumentSyntaxError:
        return DocumentSyntaxError.at(message, self.lines.position(index))

    def fail_expected(self, expectation: str, index: int) -> DocumentSyntaxError:
        if index >= len(self.text):
            return self.fail(f"{expectation}, but the document ended", index)
        return self.fail(f"{expectation}, found {self.text[index]!r}", index)

    # -- document ---------------------------------------------------------------------------

    def parse_document(self) -> tuple[Any, SourceMap]:
        start = self.skip_whitespace(0)
        value, end = self.parse_value(start, (), 0)
        end = self.skip_whitespace(end)
        if end < len(self.text):
            raise self.fail("trailing data after the document", end)
        return value, self.source_map

    def skip_whitespace(self, index: int) -> int:
        match = _WHITESPACE.match(self.text, index)
        assert match is not None  # the pattern also matches the empty string
        return match.end()

    def parse_value(self, index: int, path: Path, depth: int) -> tuple[Any, int]:
        """Parse the value starting exactly at ``index``; return it and the index after it."""
        self.source_map.values[path] = self.lines.position(index)
        char = self.text[index : index + 1]
        if char == "{":
            return self.parse_object(index, path, depth + 1)
        if char == "[":
            return self.parse_array(index, path, depth + 1)
        if char == '"':
            return self.parse_string(index)
        if char == "-" or char in _DIGITS:
            return self.parse_number(index)
        return self.parse_literal(index)

    # -- containers -------------------------------------------------------------------------

    def check_depth(self, depth: int, index: int) -> None:
        if depth > MAX_DEPTH:
            raise self.fail(f"the document is nested deeper than {MAX_DEPTH} levels", index)

    def parse_object(self, index: int, path: Path, depth: int) -> tuple[dict[str, Any], int]:
        self.check_depth(depth, index)
        result: dict[str, Any] = {}
        index = self.skip_whitespace(index + 1)
        if self.text.startswith("}", index):
            return result, index + 1
        while True:
            index = self.parse_member(index, path, depth, result)
            index = self.skip_whitespace(index)
            if self.text.startswith("}", index):
                return result, index + 1
            if not self.text.startswith(",", index):
                raise self.fail_expected("expected ',' or '}' after object member", index)
            index = self.skip_whitespace(index + 1)
            if self.text.startswith("}", index):
                raise self.fail("trailing comma before '}' is not allowed in JSON", index)

    def parse_member(self, index: int, path: Path, depth: int, result: dict[str, Any]) -> int:
        """Parse ``"key": value`` into ``result``; return the index after the value."""
        if not self.text.startswith('"', index):
            raise self.fail_expected("expected a double-quoted property name", index)
        key, after_key = self.parse_string(index)
        member_path = (*path, key)
        if key in result:
            first = self.source_map.keys[member_path]
            raise self.fail(f"duplicate key {key!r} (first defined at {first})", index)
        self.source_map.keys[member_path] = self.lines.position(index)
        colon = self.skip_whitespace(after_key)
        if not self.text.startswith(":", colon):
            raise self.fail_expected("expected ':' after property name", colon)
        value_start = self.skip_whitespace(colon + 1)
        result[key], end = self.parse_value(value_start, member_path, depth)
        return end

    def parse_array(self, index: int, path: Path, depth: int) -> tuple[list[Any], int]:
        self.check_depth(depth, index)
        result: list[Any] = []
        index = self.skip_whitespace(index + 1)
        if self.text.startswith("]", index):
            return result, index + 1
        while True:
            item, index = self.parse_value(index, (*path, len(result)), depth)
            result.append(item)
            index = self.skip_whitespace(index)
            if self.text.startswith("]", index):
                return result, index + 1
            if not self.text.startswith(",", index):
                raise self.fail_expected("expected ',' or ']' after array element", index)
            index = self.skip_whitespace(index + 1)
            if self.text.startswith("]", index):
                raise self.fail("trailing comma before ']' is not allowed in JSON", index)

    # -- scalars ----------------------------------------------------------------------------

    def parse_string(self, index: int) -> tuple[str, int]:
        """Decode the string whose opening quote is at ``index``."""
        try:
            value, end = scanstring(self.text, index + 1, True)
        except JSONDecodeError as error:
            raise self.string_error(error, index) from None
        if _SURROGATE.search(value):
            # Half of a surrogate pair is no character: it cannot be printed, stored or sent as UTF-8.
            at = _lone_surrogate(self.text, index, end)
            raise self.fail(f"{self.text[at : at + 6]!r} is half of a surrogate pair, not a character", at)
        return value, end

    def string_error(self, error: JSONDecodeError, quote: int) -> DocumentSyntaxError:
        if error.msg.startswith("Unterminated string"):
            return self.fail("unterminated string", quote)
        if error.msg.startswith("Invalid control character"):
            char = self.text[error.pos]
            if char in "\r\n":
                return self.fail("unterminated string (a line break inside a string must be written \\n)", error.pos)
            return self.fail(f"control character U+{ord(char):04X} must be escaped in a string", error.pos)
        if error.msg.startswith("Invalid \\uXXXX"):
            backslash = self.text.rfind("\\", quote, error.pos + 1)
            return self.fail("invalid \\uXXXX escape (expected four hex digits)", backslash)
        if error.msg.startswith("Invalid \\escape"):
            return self.fail(f"invalid \\escape {self.text[error.pos : error.pos + 2]!r}", error.pos)
        return self.fail(error.msg[:1].lower() + error.msg[1:], error.pos)

    def parse_number(self, index: int) -> tuple[int | float, int]:
        match = _NUMBER.match(self.text, index)
        end = match.end() if match else index
        if match is None or self.text[end : end + 1] in _NUMBER_CHARS:
            raise self.fail(self.number_problem(index, end), index)
        token = match.group()
        try:
            return (float(token) if match.group(1) or match.group(2) else int(token)), end
        except ValueError:  # more digits than int() accepts
            raise self.fail("number has too many digits", index) from None

    def number_problem(self, index: int, end: int) -> str:
        if self.text.startswith(("0", "-0"), index) and self.text[end : end + 1].isdigit():
            return "invalid number: leading zeros are not allowed"
        if self.text.startswith("-Infinity", index):
            return "invalid number: -Infinity is not JSON"
        return "invalid number"

    def parse_literal(self, index: int) -> tuple[Any, int]:
        word_match = _WORD.match(self.text, index)
        word = word_match.group() if word_match else ""
        if word in _LITERALS:
            return _LITERALS[word], index + len(word)
        if word:
            raise self.fail(f"invalid literal {word!r} (JSON has only true, false and null)", index)
        if self.text.startswith("'", index):
            raise self.fail("strings must use double quotes", index)
        raise self.fail_expected("expected a value", index)
