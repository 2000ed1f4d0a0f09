"""JEXL text → tokens, each with its 0-based offset so every later error can point at a column.

Strings follow Apache's ``StringParser``: ``\\n \\t \\r \\b \\f \\uXXXX``, ``\\\\`` and an escaped quote are
decoded; any other escape keeps its backslash, so ``'.*@b\\.com'`` reaches the regex engine as written.
Comments (``// …``, ``## …``, ``/* … */``) are skipped like whitespace.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from dataflow.expressions.errors import ExpressionError


class Token(NamedTuple):
    kind: str  # "num", "str", "name", "word" (a keyword), "op", "end"
    text: str
    value: Any
    offset: int


KEYWORDS = frozenset(
    {"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "div", "mod", "empty", "size", "null", "true", "false"}
)
# Longest first, so that "=~" is never read as "=" then "~". Unsupported ones are tokenized to be named.
OPERATORS = (
    "===", "!==", "...", "<<=", ">>=", ">>>",
    "?:", "??", "?.", "=~", "!~", "=^", "!^", "=$", "!$", "==", "!=", "<=", ">=", "&&", "||", "->", "=>", "..",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<", ">>", "++", "--",
    "+", "-", "*", "/", "%", "<", ">", "!", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}", "=", "&", "|", "^",
    "~", ";", "@", "#", "`",
)  # fmt: skip
_NUMBER = re.compile(
    r"0[xX](?P<hex>[0-9a-fA-F]+)[lLhH]?"
    r"|(?P<float>[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)[fFdDbB]?"
    r"|(?P<int>[0-9]+)(?P<suffix>[lLhHfFdDbB]?)"
)
_NAME = re.compile(r"(?:[^\W\d]|\$)(?:\w|\$)*")  # Java identifiers: Unicode letters, digits, _ and $
_SPACE = re.compile(r"(?:\s+|//[^\n]*|##[^\n]*|/\*.*?\*/)+", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\"}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    index, length = 0, len(text)
    while True:
        space = _SPACE.match(text, index)
        if space:
            index = space.end()
        if index >= length:
            tokens.append(Token("end", "", None, length))
            return tokens
        if text.startswith("/*", index):
            raise ExpressionError("unterminated comment", index)
        char = text[index]
        if char in "'\"":
            value, end = _read_string(text, index)
            tokens.append(Token("str", text[index:end], value, index))
        elif "0" <= char <= "9":
            match = _NUMBER.match(text, index)
            assert match is not None
            tokens.append(Token("num", match.group(), _number_value(match), index))
            end = match.end()
            if end < length and _NAME.match(text, end):
                raise ExpressionError(f"malformed number '{text[index : end + 1]}'", index)
        elif (match := _NAME.match(text, index)) is not None:
            word = match.group()
            end = match.end()
            tokens.append(Token("word" if word in KEYWORDS else "name", word, word, index))
        else:
            operator = next((op for op in OPERATORS if text.startswith(op, index)), None)
            if operator is None:
                raise ExpressionError(f"unexpected character {char!r}", index)
            end = index + len(operator)
            tokens.append(Token("op", operator, operator, index))
        index = end


def _number_value(match: re.Match[str]) -> int | float:
    if match.group("hex") is not None:
        return int(match.group("hex"), 16)
    if match.group("float") is not None:
        return float(match.group("float"))
    digits, suffix = match.group("int"), match.group("suffix")
    if suffix and suffix in "fFdDbB":
        return float(digits)
    if len(digits) > 1 and digits[0] == "0":  # Java octal, as Apache JEXL reads it
        if any(digit in "89" for digit in digits):
            raise ExpressionError(f"malformed octal number '{digits}'", match.start())
        return int(digits, 8)
    return int(digits)


def _read_string(text: str, start: int) -> tuple[str, int]:
    """The decoded literal starting at ``text[start]`` (a quote) and the index just past its closing quote."""
    quote = text[start]
    parts: list[str] = []
    index = start + 1
    length = len(text)
    while index < length:
        char = text[index]
        if char == quote:
            return "".join(parts), index + 1
        if char != "\\":
            parts.append(char)
            index += 1
            continue
        if index + 1 >= length:
            break
        escaped = text[index + 1]
        hex_digits = text[index + 2 : index + 6]
        if escaped == "u" and len(hex_digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in hex_digits):
            parts.append(chr(int(hex_digits, 16)))
            index += 6
            continue
        if escaped == quote:
            parts.append(quote)
        else:
            parts.append(_ESCAPES.get(escaped, "\\" + escaped))
        index += 2
    raise ExpressionError("unterminated string literal", start)
