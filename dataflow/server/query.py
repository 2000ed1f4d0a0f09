"""IdentitySync's SQL-like ``idx.search`` query: parsed once, compiled to a Python predicate.

    SELECT * | count(*) | field[, field...] FROM table
      [WHERE condition] [ORDER BY field [ASC|DESC][, ...]] [START n] [LIMIT n]

A condition combines ``field op value`` (``= != <> < <= > >=``), ``field [NOT] IN (v, ...)``,
``field [NOT] LIKE 'pat%'``, ``field IS [NOT] NULL`` with AND, OR, NOT and parentheses. Values are quoted strings
(single or double quotes), numbers, ``true``/``false``/``null``. Fields are document keys, dotted for nested ones.
Keywords are case-insensitive. A syntax error names what was expected and the column where.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

Document = dict[str, Any]
Predicate = Callable[[Document], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?)
      | (?P<string>'(?:[^']|'')*'|"(?:[^"\\]|\\.)*")
      | (?P<op><>|!=|<=|>=|=|<|>|\(|\)|,|\*)
      | (?P<word>[A-Za-z_][\w.]*|`[^`]+`)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"select", "from", "where", "order", "by", "asc", "desc", "limit", "start", "and", "or", "not", "in"}
_KEYWORDS |= {"like", "is", "null", "true", "false"}


class QuerySyntaxError(ValueError):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} at column {column}")
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str  # number | string | op | word | keyword | end
    text: str
    value: Any
    column: int


@dataclass
class Query:
    table: str
    fields: list[str] | None  # None: SELECT * (and SELECT count(*))
    where: Predicate | None = None
    conjuncts: list[tuple[str, str, Any]] = field(default_factory=list)  # top-level AND-ed `field op literal`
    where_is_conjuncts: bool = True  # the WHERE is exactly the conjuncts (nothing else to evaluate)
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 0
    limit: int | None = None
    count: bool = False  # SELECT count(*): one row, {"count(*)": the number of matching rows}


def tokenize(text: str) -> list[Token]:
    tokens = []
    position = 0
    stripped_end = len(text.rstrip())
    while position < stripped_end:
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            column = len(text) - len(text[position:].lstrip()) + 1
            raise QuerySyntaxError(f"unexpected character {text[column - 1]!r}", column)
        kind = match.lastgroup or "op"
        raw = match.group(kind)
        column = match.start(kind) + 1
        tokens.append(_token(kind, raw, column))
        position = match.end()
    tokens.append(Token("end", "", None, len(text) + 1))
    return tokens


def _token(kind: str, raw: str, column: int) -> Token:
    if kind == "number":
        return Token(kind, raw, float(raw) if "." in raw else int(raw), column)
    if kind == "string":
        if raw[0] == "'":
            return Token(kind, raw, raw[1:-1].replace("''", "'"), column)
        return Token(kind, raw, re.sub(r"\\(.)", r"\1", raw[1:-1]), column)
    if kind == "word":
        if raw.startswith("`"):
            return Token("word", raw, raw[1:-1], column)
        if raw.lower() in _KEYWORDS:
            return Token("keyword", raw, raw.lower(), column)
        return Token(kind, raw, raw, column)
    return Token(kind, raw, raw, column)


@lru_cache(maxsize=512)
def parse(text: str) -> Query:
    """The query, compiled; cached, since clients repeat the same few queries."""
    from dataflow.server.query_parser import Parser

    return Parser(tokenize(text)).query()
