"""Evaluating a compiled query over a source: the ordered matching handles, or aggregate rows.

A source is anything with ``handles()``, ``row(h)`` (what the WHERE clause reads, see ``store.BaseRow``),
``document(h)`` and ``cache_key()``; accounts, DS objects and audit rows are the three kinds. The WHERE clause is
evaluated once over the whole source (that is how ``totalCount`` is known on the first page), and the matching
handles are kept in order in a compact ``array`` (8 bytes each).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sandbox.gigya.documents import split
from sandbox.gigya.query import CompiledQuery


class Source(Protocol):
    def handles(self) -> Sequence[Any]: ...
    def row(self, handle: Any) -> Any: ...
    def document(self, handle: Any) -> dict[str, Any] | None: ...
    def cache_key(self) -> Hashable: ...


def document_renderer(source: Source, compiled: CompiledQuery) -> Callable[[Any], dict[str, Any] | None]:
    """The plain way to produce one result: fetch the document, project it."""
    document, project = source.document, compiled.project

    def render(handle: Any) -> dict[str, Any] | None:
        doc = document(handle)
        return None if doc is None else project(doc)

    return render


@dataclass(frozen=True)
class ResultSet:
    handles: Sequence[Any]
    total: int
    rows: list[dict[str, Any]] | None = None  # aggregate results, already final

    def __len__(self) -> int:
        return len(self.rows) if self.rows is not None else len(self.handles)


def execute(compiled: CompiledQuery, source: Source) -> ResultSet:
    handles = source.handles()
    predicate = compiled.predicate
    if predicate is not None:
        row = source.row
        matched: Any = array("q") if isinstance(handles, array) else []
        append = matched.append
        for handle in handles:
            if predicate(row(handle)):
                append(handle)
        handles = matched
    if compiled.query.aggregates:
        rows = _aggregate(compiled, source, handles)
        total = len(rows) if compiled.query.group_by else len(handles)
        return ResultSet((), total, rows)
    if compiled.order:
        ordered = list(handles)
        row = source.row
        for path, parts, descending in reversed(compiled.order):
            key = compiled.sort_key(path, parts, descending)
            ordered.sort(key=lambda handle, key=key: key(row(handle)), reverse=descending)
        handles = array("q", ordered) if isinstance(handles, array) else ordered
    return ResultSet(handles, len(handles))


def _numbers(source: Source, handles: Sequence[Any], path: str) -> list[float]:
    parts = split(path)
    values: list[float] = []
    for handle in handles:
        for value in source.row(handle).values(path, parts):
            if isinstance(value, int | float) and not isinstance(value, bool):
                values.append(value)
    return values


def _aggregate_one(function: str, path: str | None, source: Source, handles: Sequence[Any]) -> Any:
    if function == "count":
        if path is None:
            return len(handles)
        parts = split(path)
        return sum(1 for handle in handles if source.row(handle).values(path, parts))
    values = _numbers(source, handles, path or "")
    if not values:
        return None
    if function == "sum":
        return sum(values)
    if function == "min":
        return min(values)
    if function == "max":
        return max(values)
    mean = sum(values) / len(values)
    if function == "avg":
        return mean
    if function == "sum_of_squares":
        return sum(v * v for v in values)
    variance = sum((v - mean) ** 2 for v in values) / len(values)
    return variance if function == "variance" else math.sqrt(variance)


def _aggregate(compiled: CompiledQuery, source: Source, handles: Sequence[Any]) -> list[dict[str, Any]]:
    query = compiled.query
    groups: dict[tuple[Any, ...], list[Any]] = {}
    if query.group_by:
        keys = [(path, split(path)) for path in query.group_by]
        for handle in handles:
            row = source.row(handle)
            group = tuple((row.values(path, parts) or [None])[0] for path, parts in keys)
            groups.setdefault(group, []).append(handle)
    else:
        groups[()] = list(handles)
    rows = []
    for group, members in groups.items():
        out: dict[str, Any] = dict(zip(query.group_by, group, strict=True))
        for item in query.aggregates:
            out[item.alias or item.label] = _aggregate_one(item.function or "", item.path, source, members)
        rows.append(out)
    return rows
