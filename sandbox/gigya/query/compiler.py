"""Turns a parsed query into closures: a predicate over rows, a projection, sort keys and aggregates.

A row is anything with ``values(path, parts) -> list`` (see ``store.BaseRow``): every condition holds when
*any* value at the path satisfies it, which is how Gigya treats array paths. Types do not mix: a string never
equals a number, except that a number compared with an ISO date string is read as epoch milliseconds (and an
ISO date literal compared with a number as its epoch-ms), so both ``created > 1577836800000`` and
``lastUpdatedTimestamp > "2020-01-01"`` work.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.gigya.clock import iso_ms, parse_iso_ms
from sandbox.gigya.documents import project_into, split
from sandbox.gigya.query.ast import And, Compare, Contains, In, IsNull, Node, Not, Or, Query, Regex
from sandbox.gigya.query.parser import QueryError, parse

Row = Any
Predicate = Callable[[Row], bool]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# Encrypted by default in Gigya: CONTAINS matches whole words only there (gigya.md §4.1).
ENCRYPTED = frozenset(
    {"email", "profile.email", "profile.username", "loginIDs.emails", "loginIDs.username", "loginIDs.unverifiedEmails",
     "emails.verified", "emails.unverified"}
)  # fmt: skip
_ISO_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}")


def kind_of(value: Any) -> int:
    """A sort/identity class: numbers 0, strings 1, booleans 2, anything else 3."""
    if isinstance(value, bool):
        return 2
    if isinstance(value, int | float):
        return 0
    if isinstance(value, str):
        return 1
    return 3


@dataclass
class CompiledQuery:
    query: Query
    text: str
    predicate: Predicate | None
    fields: list[tuple[tuple[str, ...], str | None]] = field(default_factory=list)
    order: list[tuple[str, tuple[str, ...], bool]] = field(default_factory=list)

    @property
    def source(self) -> str:
        return self.query.source

    def project(self, doc: dict[str, Any]) -> dict[str, Any]:
        if self.query.select_all:
            return doc
        result: dict[str, Any] = {}
        for parts, alias in self.fields:
            project_into(doc, parts, result, alias)
        return result

    def sort_key(self, path: str, parts: tuple[str, ...], descending: bool) -> Callable[[Row], tuple[Any, ...]]:
        present, missing = (1, 0) if descending else (0, 1)

        def key(row: Row) -> tuple[Any, ...]:
            values = row.values(path, parts)
            if not values:
                return (missing, 0, 0)
            value = values[0]
            kind = kind_of(value)
            return (present, kind, value if kind < 3 else str(value))

        return key


def _value_test(op: str, constant: Any) -> Callable[[Any], bool]:
    compare = _OPS[op]
    kind = kind_of(constant)
    if kind == 0:
        as_iso = iso_ms(int(constant)) if 0 <= constant < 253402300800000 else None

        def test_number(value: Any) -> bool:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return compare(value, constant)
            if as_iso is not None and isinstance(value, str) and _ISO_LIKE.match(value):
                return compare(value, as_iso)
            return False

        return test_number
    if kind == 1:
        as_ms = parse_iso_ms(constant) if _ISO_LIKE.match(constant) else None

        def test_string(value: Any) -> bool:
            if isinstance(value, str):
                return compare(value, constant)
            if as_ms is not None and isinstance(value, int) and not isinstance(value, bool):
                return compare(value, as_ms)
            return False

        return test_string
    if kind == 2:
        return lambda value: isinstance(value, bool) and compare(value, constant)
    raise QueryError(f"cannot compare with {constant!r}")


def _any(path: str, test: Callable[[Any], bool]) -> Predicate:
    parts = split(path)

    def predicate(row: Row) -> bool:
        for value in row.values(path, parts):  # noqa: SIM110 - a plain loop is faster than any() here
            if test(value):
                return True
        return False

    return predicate


def _null(path: str) -> Predicate:
    parts = split(path)
    return lambda row: not row.values(path, parts)


def _negate(predicate: Predicate) -> Predicate:
    return lambda row: not predicate(row)


def compile_node(node: Node) -> Predicate:
    if isinstance(node, Compare):
        if node.value is None:
            if node.op not in ("=", "!="):
                raise QueryError(f"null can only be compared with = or != ({node.path})")
            return _null(node.path) if node.op == "=" else _negate(_null(node.path))
        if node.op == "!=":  # "not equal" also holds where the field is missing
            return _negate(_any(node.path, _value_test("=", node.value)))
        return _any(node.path, _value_test(node.op, node.value))
    if isinstance(node, In):
        wanted = {(kind_of(v), v) for v in node.values if v is not None}
        wants_null = any(v is None for v in node.values)
        member = _any(node.path, lambda value: kind_of(value) < 3 and (kind_of(value), value) in wanted)
        null = _null(node.path)
        predicate = (lambda row: member(row) or null(row)) if wants_null else member
        return _negate(predicate) if node.negate else predicate
    if isinstance(node, IsNull):
        predicate = _null(node.path)
        return _negate(predicate) if node.negate else predicate
    if isinstance(node, Contains):
        needle = node.text.lower()
        if node.path in ENCRYPTED:
            word = re.compile(rf"(?<!\w){re.escape(needle)}(?!\w)", re.IGNORECASE)
            predicate = _any(node.path, lambda value: isinstance(value, str) and word.search(value) is not None)
        else:
            predicate = _any(node.path, lambda value: isinstance(value, str) and needle in value.lower())
        return _negate(predicate) if node.negate else predicate
    if isinstance(node, Regex):
        try:
            pattern = re.compile(node.pattern)
        except re.error as problem:
            raise QueryError(f"invalid regex {node.pattern!r}: {problem}") from None
        predicate = _any(node.path, lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None)
        return _negate(predicate) if node.negate else predicate
    if isinstance(node, And):
        parts = [compile_node(item) for item in node.items]
        return lambda row: all(part(row) for part in parts)
    if isinstance(node, Or):
        parts = [compile_node(item) for item in node.items]
        return lambda row: any(part(row) for part in parts)
    if isinstance(node, Not):
        return _negate(compile_node(node.item))
    raise QueryError(f"unsupported condition {node!r}")


def compile_query(text: str) -> CompiledQuery:
    query = parse(text)
    if query.aggregates and not query.group_by:
        plain = [item for item in query.select if not item.function]
        if plain:
            raise QueryError(f"{plain[0].label} cannot be selected with an aggregate unless grouped by")
    if query.group_by and not query.aggregates:
        raise QueryError("GROUP BY needs an aggregate such as count(*)")
    fields = [(split(item.path), item.alias) for item in query.select if item.path and not item.function]
    order = [(path, split(path), descending) for path, descending in query.order_by]
    predicate = compile_node(query.where) if query.where is not None else None
    return CompiledQuery(query, text, predicate, fields, order)
