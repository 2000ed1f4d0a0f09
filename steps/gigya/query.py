"""Builds Gigya search queries (``SELECT … FROM … WHERE … [ORDER BY …] LIMIT n``) without pasting values in raw.

Only the flow author's own ``where`` goes in as written, and even that is checked: its quotes and
parentheses must balance and it may not carry clauses that would break a cursor search (``START``,
``LIMIT``, ``GROUP BY``); a trailing ``ORDER BY`` is kept at the end. Field names must look like field names;
every value that comes from a record is a quoted, escaped literal (or, case-insensitively, an escaped regex).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

FIELD = r"[A-Za-z_@$][\w@$-]*(?:\.[\w@$-]+)*"
_FIELD_RE = re.compile(rf"^{FIELD}$")
_SELECT_ITEM = re.compile(rf"^(?P<path>\*|{FIELD})(?:\s+as\s+(?P<alias>[A-Za-z_$][\w$-]*))?$", re.IGNORECASE)
# Clause keywords, not field names that happen to share the word (``data.start``, ``limit_reached``).
_FORBIDDEN = re.compile(r"(?<![\w.$@])(limit|start|group\s+by|filter|select|from)(?![\w.$@])", re.IGNORECASE)
_ORDER_BY = re.compile(r"(?<![\w.$@])order\s+by(?![\w.$@])", re.IGNORECASE)
# Lucene-style reserved characters (gigya.md §4.1) plus the ones Lucene's full syntax adds.
_REGEX_RESERVED = set("?.+*|{}[]()\"\\#@&<>~'")


class QueryError(ValueError):
    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class SelectItem:
    path: str
    alias: str | None = None

    def render(self) -> str:
        return f"{self.path} AS {self.alias}" if self.alias else self.path


def is_field(text: str) -> bool:
    return bool(_FIELD_RE.match(text))


def parse_select(text: str) -> list[SelectItem]:
    """``UID, profile.email, UID as _UID, *`` → items; raises ``QueryError`` pointing at the bad item."""
    items: list[SelectItem] = []
    offset = 0
    for part in text.split(","):
        stripped = part.strip()
        match = _SELECT_ITEM.match(stripped)
        if not match:
            where = offset + (len(part) - len(part.lstrip()))
            shown = stripped or "(empty)"
            raise QueryError(f"'{shown}' is not a field path, '*' or 'path AS alias'", where)
        items.append(SelectItem(match["path"], match["alias"]))
        offset += len(part) + 1
    return items


def render_select(items: list[SelectItem]) -> str:
    return ", ".join(item.render() for item in items)


def quote_string(value: str) -> str:
    """A double-quoted query literal; backslashes and double quotes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal(value: Any) -> str:
    """A record value as a query literal: strings quoted, numbers and booleans bare."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return quote_string(str(value))


def case_insensitive_regex(value: str) -> str:
    """An anchored regex literal matching ``value`` in any letter case: ``Ab.c`` → ``'[aA][bB]\\.[cC]'``."""
    out = []
    for char in value:
        if char.lower() != char.upper():
            out.append(f"[{char.lower()}{char.upper()}]")
        elif char in _REGEX_RESERVED:
            out.append("\\" + char)
        else:
            out.append(char)
    return "'" + "".join(out) + "'"


def mask_strings(text: str) -> str:
    """``text`` with the inside of every quoted string blanked, so keywords in values are not seen as clauses."""
    out = list(text)
    quote: str | None = None
    start = 0
    i = 0
    while i < len(text):
        char = text[i]
        if quote is None:
            if char in "\"'":
                quote, start = char, i
        elif char == "\\":
            out[i] = " "
            if i + 1 < len(text):
                out[i + 1] = " "
            i += 1
        elif char == quote:
            quote = None
        else:
            out[i] = " "
        i += 1
    if quote is not None:
        raise QueryError("a quoted string is not closed", start)
    return "".join(out)


def split_where(where: str) -> tuple[str, str | None]:
    """The author's ``where`` → (condition, ``ORDER BY`` tail or None); raises ``QueryError`` if unusable."""
    masked = mask_strings(where)
    depth = 0
    for i, char in enumerate(masked):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise QueryError("a ')' has no matching '('", i)
    if depth:
        raise QueryError("a '(' is not closed", masked.rfind("("))
    forbidden = _FORBIDDEN.search(masked)
    if forbidden:
        clause = " ".join(forbidden.group(1).upper().split())
        raise QueryError(f"where may not contain {clause}: the reader sets paging itself", forbidden.start())
    order = _ORDER_BY.search(masked)
    if order is None:
        return where.strip(), None
    return where[: order.start()].strip(), where[order.start() :].strip()


def build(
    select: str,
    source: str,
    conditions: list[str],
    order_by: str | None = None,
    limit: int | None = None,
) -> str:
    """``SELECT select FROM source [WHERE (c1) AND (c2)] [ORDER BY …] [LIMIT n]``; empty conditions are skipped."""
    parts = [f"SELECT {select} FROM {source}"]
    kept = [c for c in conditions if c and c.strip()]
    if kept:
        parts.append("WHERE " + (kept[0] if len(kept) == 1 else " AND ".join(f"({c})" for c in kept)))
    if order_by:
        parts.append(order_by)
    if limit:
        parts.append(f"LIMIT {int(limit)}")
    return " ".join(parts)
