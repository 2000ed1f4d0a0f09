"""The search call shared by accounts/ds/audit: compile cache, result cache, cursor pages, prefetch.

Each ``nextCursorId`` names one page (result, offset, size); it is valid for ``cursor_ttl_s`` after it was
issued and may be re-sent: a retried cursorId serves the same handles again and returns the same
``nextCursorId``. Pages read the *current* documents, so an account deleted after the search opened is skipped.

While a client parses a page, the server would sit idle; so when it hands out a ``nextCursorId`` it renders that
page in the background, and serves the prepared bytes if nothing was written in between.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import orjson

from sandbox.gigya.clock import Clock
from sandbox.gigya.config import SandboxConfig
from sandbox.gigya.errors import GigyaError, invalid, missing
from sandbox.gigya.params import Params
from sandbox.gigya.query import CompiledQuery, QueryError, compile_query
from sandbox.gigya.results import ResultSet, Source, document_renderer, execute


@dataclass
class CursorPage:
    result: ResultSet
    compiled: CompiledQuery
    source: Source
    offset: int
    size: int
    issued: float
    next_id: str | None = None
    prepared: tuple[Hashable, bytes, int] | None = None  # (source cache key, results JSON, count)
    preparing: threading.Event | None = None


def render_page(page: CursorPage) -> tuple[bytes, int]:
    """The page's results as one JSON array, each result serialised as soon as it is made: holding 10,000
    account dicts at once costs more (allocation, GC) than generating them."""
    maker = getattr(page.source, "renderer", None)
    render = maker(page.compiled) if maker else document_renderer(page.source, page.compiled)
    dumps = orjson.dumps
    parts = []
    for handle in page.result.handles[page.offset : page.offset + page.size]:
        item = render(handle)
        if item is not None:
            parts.append(dumps(item))
    return b"[" + b",".join(parts) + b"]", len(parts)


@dataclass
class SearchService:
    config: SandboxConfig
    clock: Clock
    prefetch: bool = True
    compilations: int = 0
    _compiled: OrderedDict[str, CompiledQuery] = field(default_factory=OrderedDict)
    _results: OrderedDict[tuple[Hashable, ...], ResultSet] = field(default_factory=OrderedDict)
    _cursors: OrderedDict[str, CursorPage] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _prepared_pages: deque[CursorPage] = field(default_factory=deque)
    max_prepared: int = 4
    """Pages rendered ahead and not yet asked for; older ones are dropped (abandoned cursors cost no memory)."""

    # -- caches ------------------------------------------------------------------------------------------------
    def compile(self, text: str) -> CompiledQuery:
        """Each distinct query text is parsed and compiled once (LRU of 256)."""
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
        result = page.result
        results: Any
        if result.rows is not None:
            results = result.rows[page.offset : page.offset + page.size]
            count = len(results)
        else:
            body, count = self._prepared(page) or render_page(page)
            results = orjson.Fragment(body)
        response: dict[str, Any] = {"results": results, "objectsCount": count, "totalCount": result.total}
        end = page.offset + page.size
        if paged and end < len(result):
            following = None
            with self._lock:
                if page.next_id is None or page.next_id not in self._cursors:
                    following = CursorPage(result, page.compiled, page.source, end, page.size, 0.0)
                    if self.prefetch and result.rows is None:
                        following.preparing = threading.Event()
                    page.next_id = self._issue(following)
            response["nextCursorId"] = page.next_id
            if following is not None and following.preparing is not None:
                threading.Thread(target=self._prepare, args=(following,), daemon=True).start()
        return response

    def _prepare(self, page: CursorPage) -> None:
        try:
            key = page.source.cache_key()
            body, count = render_page(page)
            page.prepared = (key, body, count)
            with self._lock:
                self._prepared_pages.append(page)
                while len(self._prepared_pages) > self.max_prepared:
                    self._prepared_pages.popleft().prepared = None
        finally:
            assert page.preparing is not None
            page.preparing.set()

    def _prepared(self, page: CursorPage) -> tuple[bytes, int] | None:
        """The page rendered in advance, if any and still current; used once (a replay renders again)."""
        if page.preparing is not None:
            page.preparing.wait(timeout=120)
        prepared, page.prepared, page.preparing = page.prepared, None, None
        if prepared is not None and prepared[0] == page.source.cache_key():
            return prepared[1], prepared[2]
        return None

    # -- cursors -----------------------------------------------------------------------------------------------
    def _issue(self, page: CursorPage) -> str:
        """Register a page (lock held) and return its id; forget expired pages and the oldest beyond the cap."""
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
