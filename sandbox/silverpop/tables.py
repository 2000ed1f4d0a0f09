"""Relational table rules shared by InsertUpdateRelationalTable and ImportTable.

Rows are keyed by the table's key columns; column names must match exactly (Acoustic is case-sensitive here).
Two emulator rules from the project brief apply: the org holds at most ``max_relational_rows`` rows across all
tables (10M), and a field named ``email`` can never be created in or imported into a relational table.
"""

from __future__ import annotations

from collections.abc import Iterable

from sandbox.silverpop.model import Table
from sandbox.silverpop.store import Store
from sandbox.silverpop.values import normalize

ADDED, UPDATED, SKIPPED = "added", "updated", "skipped"


class RowError(ValueError):
    """A rejected row; ``transient`` says whether a retry could succeed (the row cap may free up)."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def reserved_message(name: str) -> str:
    return f"Field {name} is reserved and cannot be imported into a relational table"


def clean_row(store: Store, table: Table, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in pairs:
        if store.config.is_reserved_table_field(name):
            raise RowError(reserved_message(name))
        column = table.columns.get(name)
        if column is None:
            raise RowError(f"Column {name} does not exist in table {table.name}")
        try:
            values[name] = normalize(column.kind, value, column.selection)
        except ValueError as problem:
            raise RowError(f"{problem} in column: {name}") from None
    return values


def row_key(table: Table, values: dict[str, str]) -> tuple[str, ...]:
    key = tuple(values.get(name, "") for name in table.key_columns)
    if not all(key):
        raise RowError(f"Missing key column value: {', '.join(table.key_columns)}")
    return key


def upsert_row(store: Store, table: Table, values: dict[str, str], add: bool = True, update: bool = True) -> str:
    """Insert or update one cleaned row; ``SKIPPED`` when the action excludes it."""
    key = row_key(table, values)
    existing = table.rows.get(key)
    blank = [name for name, column in table.columns.items() if column.required and name in values and not values[name]]
    if blank:
        raise RowError(f"Required column is empty: {', '.join(blank)}")
    if existing is not None:
        if not update:
            return SKIPPED
        existing.update(values)
        table.modified = store.clock.now()
        return UPDATED
    if not add:
        return SKIPPED
    missing = [name for name, column in table.columns.items() if column.required and not values.get(name)]
    if missing:
        raise RowError(f"Required column is missing: {', '.join(missing)}")
    if store.total_rows() >= store.config.max_relational_rows:
        raise RowError(f"Relational table row limit of {store.config.max_relational_rows} rows reached")
    table.rows[key] = {name: values.get(name, column.default) for name, column in table.columns.items()}
    table.modified = store.clock.now()
    return ADDED
