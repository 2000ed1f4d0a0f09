"""A relational table written per contact: every row the contact has now, and none of the rows it no longer has.

Gigya keeps a person's likes, favorites and achievements as arrays on the account; when one is removed the
account simply no longer lists it. Silverpop cannot list one contact's rows of a relational table (the XML API
has no such query, and ExportTable exports the whole table), so the writer remembers which rows it wrote for
each contact (``RowLedger``, kept in the connector state under the org and table) and deletes, with
DeleteRelationalTableData, the rows a contact had last time and has no more. A contact's rows are taken from one
record (``rowsField``), so a contact whose array is now empty still arrives, and its last rows are deleted.

The ledger records only what Silverpop accepted: a refused row is not recorded as present, and a row whose
deletion failed stays recorded, so the next run tries again.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dataflow.component import Record
from dataflow.fieldpath import MISSING, compile_getter, parse
from dataflow.runtime.state import ConnectorState
from steps.silverpop import ops_rows
from steps.silverpop.client import SilverpopClient
from steps.silverpop.table_rows import RowMapper, Spill

Key = tuple[str, ...]
FLUSH = 1000
LEDGER_CHUNK = 500  # contacts whose recorded rows are read and written at once


def rows_scope(api_base: str, table_id: str) -> str:
    """Where the rows of one table of one org are recorded: shared by every flow that writes or cleans it."""
    return f"silverpop.rows:{api_base}:{table_id}"


def uid_source(mapping: list[dict[str, str]], uid_column: str) -> str | None:
    """The record field that fills the UID column, from ``fieldMapping``."""
    return next((item["sourceField"] for item in mapping if item.get("targetField") == uid_column), None)


@dataclass
class Expanded:
    """Rows spilled from contacts: ``owner[i]`` is the contact index of row ``i``; ``uids[c]`` contact ``c``'s UID."""

    uids: list[str] = field(default_factory=list)
    owner: array = field(default_factory=lambda: array("q"))


class ContactRows:
    """Turns contact records into table rows: each element of ``rows_field`` merged over its contact's fields.

    Only the contact's top-level fields that ``fieldMapping`` reads are copied into each row (the UID, say), not
    the whole contact, whose rows array would otherwise be copied into every one of its rows.
    """

    def __init__(self, rows_field: str, uid_field: str, source_fields: Iterable[str]) -> None:
        self.get_rows = compile_getter(rows_field)
        self.get_uid = compile_getter(uid_field)
        self.roots = {parse(path).parts[0] for path in source_fields}

    def expand(self, contacts: Spill, rows: Spill) -> Expanded:
        expanded = Expanded()
        pending: list[Record] = []
        for index, contact in contacts.read():
            uid = self.get_uid(contact)
            expanded.uids.append("" if uid is MISSING or uid is None else str(uid))
            base = {root: contact[root] for root in self.roots if root in contact}
            for item in self._items(contact):
                merged = {**base, **item} if isinstance(item, dict) else {**base, "value": item}
                pending.append(merged)
                expanded.owner.append(index)
            if len(pending) >= FLUSH:
                rows.write(pending)
                pending = []
        if pending:
            rows.write(pending)
        return expanded

    def _items(self, contact: Record) -> list[Any]:
        value = self.get_rows(contact)
        if value is MISSING or value is None or value == "":
            return []
        return value if isinstance(value, list) else [value]


class RowLedger:
    """Which rows (their key column values) each contact has in one table, as far as this writer knows.

    Each contact's entry also names the key columns, so that a step that never saw the table's metadata (the
    removal of deleted accounts) can still delete the rows.
    """

    def __init__(self, state: ConnectorState, scope: str) -> None:
        self.state = state
        self.scope = scope
        self.columns: list[str] = []

    def previous(self, uids: Iterable[str]) -> dict[str, set[Key]]:
        found = self.state.get(self.scope, [uid for uid in uids if uid])
        for value in found.values():
            self.columns = self.columns or list(value.get("columns", []))
        return {uid: {tuple(key) for key in value.get("keys", [])} for uid, value in found.items()}

    def record(self, rows: dict[str, set[Key]], columns: list[str]) -> None:
        self.state.put(
            self.scope,
            {uid: {"columns": columns, "keys": sorted(keys)} if keys else None for uid, keys in rows.items()},
        )


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class TableSync:
    """Deleting the rows contacts no longer have (or, for deleted contacts, all their rows), and recording the rest."""

    def __init__(self, client: SilverpopClient, table_id: str, keys: list[str], ledger: RowLedger) -> None:
        self.client, self.table_id, self.keys, self.ledger = client, table_id, keys, ledger
        self.removed = 0

    def reconcile(
        self, expanded: Expanded, rows: Spill, row_failures: dict[int, str], mapper: RowMapper, uid_column: str
    ) -> dict[int, str]:
        """Contact index -> reason, for contacts with a refused row, a failed deletion or no UID."""
        current: dict[str, set[Key]] = {uid: set() for uid in expanded.uids if uid}
        reasons: dict[str, list[str]] = {}
        for index, record in rows.read():
            uid = expanded.uids[expanded.owner[index]]
            if index in row_failures:
                reasons.setdefault(uid, []).append(row_failures[index])
            elif uid:
                row = mapper.row(record)
                current[uid].add(tuple(row[name] for name in self.keys))
        for uids in chunks(sorted(current), LEDGER_CHUNK):
            previous = self.ledger.previous(uids)
            gone = [(uid, key) for uid in uids for key in sorted(previous.get(uid, set()) - current[uid])]
            for uid, key in self.delete(gone, reasons):
                current[uid].add(key)
            self.ledger.record({uid: current[uid] for uid in uids}, self.keys)
        failures: dict[int, str] = {}
        for index, uid in enumerate(expanded.uids):
            if not uid:
                failures[index] = f"no {uid_column} value: the contact's rows cannot be written"
            elif uid in reasons:
                failures[index] = "; ".join(dict.fromkeys(reasons[uid]))
        return failures

    def delete(self, gone: list[tuple[str, Key]], reasons: dict[str, list[str]]) -> list[tuple[str, Key]]:
        """DeleteRelationalTableData of ``gone`` (uid, key); the pairs that could not be deleted."""
        kept = []
        for part in chunks(gone, ops_rows.MAX_DELETE_ROWS):
            rows = [dict(zip(self.keys, key, strict=True)) for _, key in part]
            for failure in ops_rows.delete_rows(self.client, self.table_id, rows):
                wanted = tuple(failure.key.get(name, "") for name in self.keys)
                for uid, key in part:
                    if key == wanted:
                        kept.append((uid, key))
                        reasons.setdefault(uid, []).append(f"could not delete a row: {failure.description}")
        self.removed += len(gone) - len(kept)
        return kept
