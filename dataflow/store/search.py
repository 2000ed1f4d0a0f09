"""idx.search's tables over the SQL store: equality filters and ordering on known columns run in SQL.

The server parses IdentitySync's SQL-like query and hands the store only what maps onto columns
(``SEARCH_COLUMNS``); whatever else the query asks is evaluated by the server over the rows returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataflow.store import SEARCH_COLUMNS, StoreError, rows

_TABLES = {
    "dataflow": ("dataflows", " AND status = 'published'"),
    "dataflow_draft": ("dataflows", " AND status = 'draft'"),
    "scheduling": ("schedulings", ""),
    "idx_job_status": ("jobs", ""),
}


class SearchMixin:
    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]: ...  # provided by SQLStore
    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def search(
        self,
        table: str,
        site: str,
        equals: dict[str, Any] | None = None,
        order_by: list[tuple[str, bool]] | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        sql, args = _where("SELECT *", table, site, equals)
        columns = SEARCH_COLUMNS[table]
        if order_by:
            sql += " ORDER BY " + ", ".join(f"{_column(columns, f)} {'DESC' if d else 'ASC'}" for f, d in order_by)
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [_document(table, row) for row in self._all(sql, tuple(args))]

    def count(self, table: str, site: str, equals: dict[str, Any] | None = None) -> int:
        sql, args = _where("SELECT COUNT(*) AS n", table, site, equals)
        return int(self._one(sql, tuple(args))["n"])


def _where(select: str, table: str, site: str, equals: dict[str, Any] | None) -> tuple[str, list[Any]]:
    if table not in _TABLES:
        raise StoreError(f"unknown table '{table}'; known: {', '.join(_TABLES)}")
    columns = SEARCH_COLUMNS[table]
    sql_table, status_clause = _TABLES[table]
    sql = f"{select} FROM {sql_table} WHERE site = ?{status_clause}"
    args: list[Any] = [site]
    for field, value in (equals or {}).items():
        sql += f" AND {_column(columns, field)} = ?"
        args.append(value)
    return sql, args


def _column(columns: dict[str, str], field: str) -> str:
    try:
        return columns[field]
    except KeyError:
        raise StoreError(f"cannot search on '{field}' in SQL; known: {', '.join(columns)}") from None


def _document(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    if table == "scheduling":
        return rows.scheduling(row)
    if table == "idx_job_status":
        return rows.job(row)
    return rows.search_flow(row)
