"""Tokens of the query language. Keywords are case-insensitive; field names keep their case."""

from __future__ import annotations

import re
from dataclasses import dataclass

KEYWORDS = frozenset(
    [
        "select",
        "from",
        "where",
        "filter",
        "group",
        "by",
        "order",
        "asc",
        "desc",
        "start",
        "limit",
        "and",
        "or",
        "not",
        "in",
        "is",
        "null",
        "contains",
        "regex",
        "as",
        "true",
        "false",
    ]
)

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.]))
  | (?P<ident>[A-Za-z_@$][\w@$.\-]*)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),*])
    """,
    re.VERBOSE,
)


class LexError(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    kind: str  # "string" | "number" | "ident" | "keyword" | "op" | "punct" | "end"
    text: str
    value: object
    position: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "keyword" and self.value in words

    def is_punct(self, char: str) -> bool:
        return self.kind == "punct" and self.text == char


def _unquote(text: str) -> str:
    body = text[1:-1]
    # Backslash escapes a reserved character (a quote, a backslash, or a regex metacharacter in regex patterns,
    # where the pattern keeps it); only \" \' and \\ are undone here.
    return re.sub(r"\\([\"'\\])", r"\1", body)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise LexError(f"unexpected character {text[position]!r} at position {position}")
        kind = match.lastgroup or ""
        raw = match.group()
        if kind == "string":
            tokens.append(Token("string", raw, _unquote(raw), position))
        elif kind == "number":
            number: float | int = float(raw) if any(c in raw for c in ".eE") else int(raw)
            tokens.append(Token("number", raw, number, position))
        elif kind == "ident":
            lowered = raw.lower()
            if lowered in KEYWORDS:
                tokens.append(Token("keyword", raw, lowered, position))
            else:
                tokens.append(Token("ident", raw, raw, position))
        elif kind in ("op", "punct"):
            tokens.append(Token(kind, raw, "!=" if raw == "<>" else raw, position))
        position = match.end()
    tokens.append(Token("end", "", None, len(text)))
    return tokens
