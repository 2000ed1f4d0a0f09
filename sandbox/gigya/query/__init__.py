"""The SQL-like query language of accounts.search, ds.search and audit.search (gigya.md §4.1)."""

from __future__ import annotations

from sandbox.gigya.query.compiler import CompiledQuery, compile_query
from sandbox.gigya.query.parser import QueryError, parse

__all__ = ["CompiledQuery", "QueryError", "compile_query", "parse"]
