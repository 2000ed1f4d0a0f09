"""The sandbox's data: databases of contacts and relational tables of rows.

Databases here are Silverpop *restricted* databases: one or more unique key columns (the Gigya UID, or the
system ``EMAIL`` column) and an index on them, so lookups and imports are O(1) per row. Relational tables are
keyed by their key columns in the same way. Everything is plain data; the rules live in ``contacts.py`` and
``tables.py`` and all mutation happens under the store's lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EMAIL = "EMAIL"


@dataclass
class Column:
    name: str
    kind: str
    type_code: int | str
    """The list type number (databases) or the TYPE word (relational tables), echoed by GetListMetaData."""
    required: bool = False
    key: bool = False
    default: str = ""
    selection: tuple[str, ...] = ()


@dataclass
class Contact:
    recipient_id: int
    fields: dict[str, str]
    created: float
    modified: float
    created_from: int
    opted_in: float | None
    opted_out: float | None = None
    email_type: int = 0
    contact_lists: set[int] = field(default_factory=set)


@dataclass
class Database:
    id: int
    name: str
    visibility: int
    created: float
    modified: float
    columns: dict[str, Column]
    key_columns: list[str]
    contacts: dict[int, Contact] = field(default_factory=dict)
    index: dict[tuple[str, ...], int] = field(default_factory=dict)
    list_type: int = 0

    def column(self, name: str) -> Column | None:
        """A column by its exact name; ``Email``/``email`` also name the system ``EMAIL`` column."""
        found = self.columns.get(name)
        if found is None and name.lower() == "email":
            found = self.columns.get(EMAIL)
        return found

    def key_of(self, fields: dict[str, str]) -> tuple[str, ...] | None:
        """The index key of ``fields``; email addresses compare case-insensitively, as in Silverpop."""
        values = tuple(
            fields.get(name, "").lower() if name == EMAIL else fields.get(name, "") for name in self.key_columns
        )
        return values if all(values) else None

    def find(self, criteria: dict[str, str]) -> list[Contact]:
        """Contacts whose fields equal ``criteria`` (column names resolved), oldest first."""
        if not criteria:
            return []
        if set(criteria) == set(self.key_columns):
            recipient = self.index.get(self.key_of(criteria) or ())
            return [self.contacts[recipient]] if recipient is not None else []
        lowered = {name: value.lower() if name == EMAIL else value for name, value in criteria.items()}
        if not all(lowered.values()):
            return []
        matches = [
            contact
            for contact in self.contacts.values()
            if all(
                (contact.fields.get(name, "").lower() if name == EMAIL else contact.fields.get(name, "")) == value
                for name, value in lowered.items()
            )
        ]
        return sorted(matches, key=lambda contact: (contact.created, contact.recipient_id))

    def add(self, contact: Contact) -> None:
        self.contacts[contact.recipient_id] = contact
        key = self.key_of(contact.fields)
        if key is not None:
            self.index[key] = contact.recipient_id

    def rekey(self, contact: Contact, old: tuple[str, ...] | None) -> None:
        if old is not None and self.index.get(old) == contact.recipient_id:
            del self.index[old]
        key = self.key_of(contact.fields)
        if key is not None:
            self.index[key] = contact.recipient_id

    def remove(self, contact: Contact) -> None:
        self.contacts.pop(contact.recipient_id, None)
        key = self.key_of(contact.fields)
        if key is not None and self.index.get(key) == contact.recipient_id:
            del self.index[key]

    @property
    def opted_out_count(self) -> int:
        return sum(1 for contact in self.contacts.values() if contact.opted_out is not None)


@dataclass
class Table:
    id: int
    name: str
    visibility: int
    created: float
    modified: float
    columns: dict[str, Column]
    key_columns: list[str]
    rows: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)
    joins: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    """list id -> [(list field, table field)] set by JoinTable."""


@dataclass
class Event:
    """A contact event for RawRecipientDataExport (the sandbox sends no mailings: opt-ins and opt-outs only)."""

    when: float
    kind: str
    list_id: int
    recipient_id: int
    email: str
