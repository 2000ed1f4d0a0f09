"""Running a compiled query over a source, and the cursor table that pages through the result.

A search evaluates the WHERE clause once over the whole source (that is how ``totalCount`` is known on the
first page), keeps the matching handles in order in a compact ``array``, and hands out pages of it. Each
``nextCursorId`` names one page (result, offset, size), is valid for ``cursor_ttl_s`` after it was issued, and
may be re-sent: a retried cursorId serves the same handles again and returns the same ``nextCursorId``. Pages
read the *current* documents, so an account deleted after the search opened is skipped.
"""

from __future__ import annotations

import math
import secrets
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from sandbox.gigya.clock import Clock
from sandbox.gigya.config import SandboxConfig
from sandbox.gigya.documents import split
from sandbox.gigya.errors import GigyaError, invalid, missing
from sandbox.gigya.params import Params
from sandbox.gigya.query import CompiledQuery, QueryError, compile_query


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


@dataclass
class CursorPage:
    result: ResultSet
    compiled: CompiledQuery
    source: Source
    offset: int
    size: int
    issued: float
    next_id: str | None = None


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


class SearchService:
    """Query compilation cache, result cache, and cursors, shared by accounts/ds/audit search."""

    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._compiled: OrderedDict[str, CompiledQuery] = OrderedDict()
        self._results: OrderedDict[tuple[Hashable, ...], ResultSet] = OrderedDict()
        self._cursors: OrderedDict[str, CursorPage] = OrderedDict()
        self._lock = threading.Lock()
        self.compilations = 0

    # -- caches ------------------------------------------------------------------------------------------------
    def compile(self, text: str) -> CompiledQuery:
        with self._lock:
            cached = self._compiled.get(text)
            if cached is not None:
                self._compiled.move_to_end(text)
                return cached
        try:
            compiled = compile_query(text)
        except QueryError as problem:
            raise GigyaError(400006, f"Invalid query: {problem}") from None
        with self._lock:
            self.compilations += 1
            self._compiled[text] = compiled
            if len(self._compiled) > 256:
                self._compiled.popitem(last=False)
        return compiled

    def _execute(self, compiled: CompiledQuery, source: Source) -> ResultSet:
        key = (compiled.text, source.cache_key())
        with self._lock:
            cached = self._results.get(key)
        if cached is not None:
            return cached
        result = execute(compiled, source)
        with self._lock:
            self._results[key] = result
            if len(self._results) > 8:
                self._results.popitem(last=False)
        return result

    # -- the search call ---------------------------------------------------------------------------------------
    def search(self, params: Params, resolve: Callable[[CompiledQuery], Source]) -> dict[str, Any]:
        text, cursor_id = params.get("query"), params.get("cursorId")
        if text and cursor_id:
            raise invalid("query and cursorId cannot be sent together")
        if cursor_id:
            return self._serve(self._page(cursor_id))
        if not text:
            raise missing("query")
        compiled = self.compile(text)
        source = resolve(compiled)
        query = compiled.query
        open_cursor = params.flag("openCursor")
        if open_cursor and query.start is not None:
            raise invalid("openCursor cannot be used with START")
        if open_cursor and query.group_by:
            raise invalid("openCursor cannot be used with GROUP BY")
        limit = self.config.default_limit if query.limit is None else query.limit
        if limit > self.config.max_limit:
            raise invalid(f"LIMIT must be at most {self.config.max_limit}")
        result = self._execute(compiled, source)
        page = CursorPage(result, compiled, source, query.start or 0, limit, self.clock.now())
        return self._serve(page, paged=open_cursor)

    def _serve(self, page: CursorPage, *, paged: bool = True) -> dict[str, Any]:
        result, compiled = page.result, page.compiled
        end = page.offset + page.size
        results: Any
        if result.rows is not None:
            results = result.rows[page.offset : end]
            count = len(results)
        else:
            # Each result is serialised as soon as it is made and the page is one pre-serialised fragment:
            # holding 10,000 account dicts at once costs more (allocation, GC) than generating them.
            maker = getattr(page.source, "renderer", None)
            render = maker(compiled) if maker else document_renderer(page.source, compiled)
            dumps = orjson.dumps
            parts = []
            for handle in result.handles[page.offset : end]:
                item = render(handle)
                if item is not None:
                    parts.append(dumps(item))
            results, count = orjson.Fragment(b"[" + b",".join(parts) + b"]"), len(parts)
        response: dict[str, Any] = {"results": results, "objectsCount": count, "totalCount": result.total}
        if paged and end < len(result):
            with self._lock:
                if page.next_id is None or page.next_id not in self._cursors:
                    page.next_id = self._issue(CursorPage(result, compiled, page.source, end, page.size, 0.0))
            response["nextCursorId"] = page.next_id
        return response

    # -- cursors -----------------------------------------------------------------------------------------------
    def _issue(self, page: CursorPage) -> str:
        """Register a page (lock held) and return its id."""
        now = self.clock.now()
        page.issued = now
        cursor_id = secrets.token_urlsafe(36)
        self._cursors[cursor_id] = page
        horizon = now - self.config.cursor_ttl_s
        while self._cursors:
            oldest_id, oldest = next(iter(self._cursors.items()))
            if oldest.issued >= horizon and len(self._cursors) <= self.config.max_cursors:
                break
            del self._cursors[oldest_id]
        return cursor_id

    def _page(self, cursor_id: str) -> CursorPage:
        with self._lock:
            page = self._cursors.get(cursor_id)
            if page is not None and self.clock.now() - page.issued > self.config.cursor_ttl_s:
                del self._cursors[cursor_id]
                page = None
        if page is None:
            raise GigyaError(400006, "Invalid parameter value: cursorId is unknown or expired")
        return page

    def open_cursors(self) -> int:
        with self._lock:
            return len(self._cursors)
