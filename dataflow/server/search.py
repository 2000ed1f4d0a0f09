"""idx.search over ``dataflow``, ``dataflow_draft``, ``scheduling``, ``idx_job_status`` and ``script``.

The query is parsed once (and cached); the part of it that maps onto the store's columns — leading AND-ed
equalities, and the order when it is on columns — runs in SQL; everything else is evaluated here over the
site's rows as the API shows them. Without a cursor, ``LIMIT`` (default 300) caps the answer and ``START``
skips rows; with ``openCursor=true`` it is the page size and ``nextCursorId`` fetches the next page.
``SELECT count(*)`` answers one row, ``{"count(*)": n}``, counted in SQL where the filter allows. ``script`` is not
in the store: its rows are the registered components (``scripts.py``), filtered and ordered here.
"""

from __future__ import annotations

from typing import Any

from dataflow.server.context import ServerContext
from dataflow.server.documents import flow_document, job_document, scheduling_document
from dataflow.server.envelope import invalid, missing
from dataflow.server.params import boolean
from dataflow.server.query import Query, QuerySyntaxError, parse
from dataflow.server.query_parser import lookup
from dataflow.server.scripts import script_rows
from dataflow.store import SEARCH_COLUMNS

TABLES = [*SEARCH_COLUMNS, "script"]

DEFAULT_LIMIT = 300


def search(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    cursor_id = params.get("cursorId")
    if cursor_id:
        return ctx.cursors.page(cursor_id, site)
    text = params.get("query")
    if not text:
        raise missing("query")
    try:
        query = parse(text)
    except QuerySyntaxError as problem:
        raise invalid(f"query: {problem}") from None
    if query.table not in TABLES:
        raise invalid(f"query: unknown table '{query.table}'; known: {', '.join(TABLES)}")
    if query.count:
        return _count(ctx, site, query)
    size = DEFAULT_LIMIT if query.limit is None else query.limit
    if boolean(params, "openCursor"):
        return ctx.cursors.open(site, _project(query, rows(ctx, site, query)[query.start :]), size)
    if _fully_in_sql(query):
        return _page_in_sql(ctx, site, query, size)
    matching = rows(ctx, site, query)
    page = _project(query, matching[query.start : query.start + size])
    return {"result": page, "resultCount": len(page), "totalCount": len(matching)}


def _count(ctx: ServerContext, site: str, query: Query) -> dict[str, Any]:
    if _fully_in_sql(query):
        equals = {name: value for name, _, value in query.conjuncts}
        total = ctx.store.count(query.table, site, equals)
    else:
        total = len(rows(ctx, site, query))
    return {"result": [{"count(*)": total}], "resultCount": 1, "totalCount": total}


def rows(ctx: ServerContext, site: str, query: Query) -> list[dict[str, Any]]:
    """Every row of ``site`` that matches, in the query's order, as the API shows it."""
    if query.table == "script":
        shaped = [dict(row) for row in script_rows(ctx.registry)]
        in_sql = False
    else:
        columns = SEARCH_COLUMNS[query.table]
        equals = {name: value for name, _, value in query.conjuncts if name in columns}
        in_sql = all(name in columns for name, _ in query.order_by)
        found = ctx.store.search(query.table, site, equals, query.order_by if in_sql else None)
        shaped = [_shape(ctx, query.table, row) for row in found]
    if query.where is not None:
        shaped = [row for row in shaped if query.where(row)]
    if not in_sql:
        for name, descending in reversed(query.order_by):
            shaped.sort(key=lambda row, field=name: _sort_key(lookup(row, field)), reverse=descending)
    return shaped


def _fully_in_sql(query: Query) -> bool:
    """Whether filter and order both run in SQL, so that LIMIT can too (the common `WHERE id = ...` lookups)."""
    if query.table not in SEARCH_COLUMNS:
        return False
    columns = SEARCH_COLUMNS[query.table]
    return (
        query.where_is_conjuncts
        and all(name in columns for name, _, _ in query.conjuncts)
        and all(name in columns for name, _ in query.order_by)
    )


def _page_in_sql(ctx: ServerContext, site: str, query: Query, size: int) -> dict[str, Any]:
    equals = {name: value for name, _, value in query.conjuncts}
    found = ctx.store.search(query.table, site, equals, query.order_by or None, query.start + size)
    page = _project(query, [_shape(ctx, query.table, row) for row in found[query.start :]])
    total = len(found) if len(found) < query.start + size else ctx.store.count(query.table, site, equals)
    return {"result": page, "resultCount": len(page), "totalCount": total}


def _shape(ctx: ServerContext, table: str, row: dict[str, Any]) -> dict[str, Any]:
    if table == "scheduling":
        return scheduling_document(ctx, row)
    if table == "idx_job_status":
        return job_document(row)
    return flow_document(ctx, row)


def _project(query: Query, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if query.fields is None:
        return found
    return [{name: lookup(row, name) for name in query.fields} for row in found]


def _sort_key(value: Any) -> tuple[int, Any]:
    """Nulls first, then booleans and numbers, then text, then anything else (as JSON text)."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool | int | float):
        return (1, float(value))
    if isinstance(value, str):
        return (2, value)
    return (3, str(value))
