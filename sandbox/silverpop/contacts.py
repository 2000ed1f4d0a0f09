"""Contact rules shared by the recipient operations and ImportList.

Values are checked against their column's type before anything is stored; a key column (the Gigya UID, or
``EMAIL`` for email-keyed databases) must be present and stay unique. The opt-out state is never a field: only
OptOutRecipient and an ``OPT_OUT`` import change it, so an ordinary update or import cannot opt a contact back
in (the emulator rule in silverpop.md §4.1).
"""

from __future__ import annotations

from collections.abc import Iterable

from sandbox.silverpop.config import SilverpopConfig
from sandbox.silverpop.model import Contact, Database
from sandbox.silverpop.store import Store
from sandbox.silverpop.values import normalize


class FieldError(ValueError):
    """A value or key problem; an API call turns it into a 51 fault, an import into a rejected row."""


def clean_fields(database: Database, pairs: Iterable[tuple[str, str]], config: SilverpopConfig) -> dict[str, str]:
    """Column name -> canonical value for ``pairs``; unknown columns fault or are dropped per config."""
    fields: dict[str, str] = {}
    for name, value in pairs:
        column = database.column(name)
        if column is None:
            if config.unknown_columns == "ignore":
                continue
            raise FieldError(f"Column {name} does not exist in database {database.name}")
        try:
            fields[column.name] = normalize(column.kind, value, column.selection)
        except ValueError as problem:
            raise FieldError(f"{problem} in column: {column.name}") from None
    return fields


def criteria(database: Database, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lookup criteria from NAME/VALUE pairs (names resolved, values canonical where they parse)."""
    found: dict[str, str] = {}
    for name, value in pairs:
        column = database.column(name)
        if column is None:
            raise FieldError(f"Column {name} does not exist in database {database.name}")
        try:
            found[column.name] = normalize(column.kind, value, column.selection)
        except ValueError:
            found[column.name] = value.strip()
    return found


def key_criteria(database: Database, fields: dict[str, str]) -> dict[str, str] | None:
    """The key-column part of ``fields``, or ``None`` if a key column is missing or empty."""
    if not all(fields.get(name) for name in database.key_columns):
        return None
    return {name: fields[name] for name in database.key_columns}


def add_contact(store: Store, database: Database, fields: dict[str, str], created_from: int) -> Contact:
    if database.key_of(fields) is None:
        raise FieldError(f"Missing key column value: {', '.join(database.key_columns)}")
    if database.index.get(database.key_of(fields) or ()) is not None:
        raise FieldError("A contact with this key already exists")
    now = store.clock.now()
    values = {name: fields.get(name, column.default) for name, column in database.columns.items()}
    contact = Contact(store.ids.recipient_id(), values, now, now, created_from, opted_in=now)
    database.add(contact)
    database.modified = now
    store.record_opt_in(database, contact)
    return contact


def update_contact(store: Store, database: Database, contact: Contact, fields: dict[str, str]) -> None:
    """Apply ``fields``; a key change must leave the key complete and unique."""
    merged = {**contact.fields, **fields}
    old_key, new_key = database.key_of(contact.fields), database.key_of(merged)
    if new_key is None:
        raise FieldError(f"Key column value cannot be empty: {', '.join(database.key_columns)}")
    holder = database.index.get(new_key)
    if holder is not None and holder != contact.recipient_id:
        raise FieldError("Another contact already has this key")
    now = store.clock.now()
    contact.fields = merged
    contact.modified = database.modified = now
    database.rekey(contact, old_key)
