"""List metadata and schema: GetLists, GetListMetaData, AddListColumn.

The sync engine reads GetListMetaData's COLUMNS for field discovery and KEY_COLUMNS for the lookup key, so both
are complete; every element ka4ok85 requires is emitted even when it carries nothing. pysilverpop drops falsy
values (``VISIBILITY=0``, ``LIST_TYPE=0``), so both default to 0 here.
"""

from __future__ import annotations

from sandbox.silverpop import errors
from sandbox.silverpop.clock import short_date
from sandbox.silverpop.model import Column, Database, Table
from sandbox.silverpop.store import Store
from sandbox.silverpop.values import LIST_TYPE_KINDS
from sandbox.silverpop.xmlio import Element, element, integer, required, sub, text, texts

TABLE_LIST_TYPE = 15


def _size(item: Database | Table) -> int:
    return len(item.contacts) if isinstance(item, Database) else len(item.rows)


def _opt_outs(item: Database | Table) -> int:
    return item.opted_out_count if isinstance(item, Database) else 0


def _kind(item: Database | Table) -> int:
    return item.list_type if isinstance(item, Database) else TABLE_LIST_TYPE


def get_lists(store: Store, op: Element) -> list[Element]:
    visibility = integer(op, "VISIBILITY", 0)
    list_type = integer(op, "LIST_TYPE", 0)
    items: list[Database | Table] = []
    if list_type in (0, 2):
        items.extend(store.databases.values())
    elif list_type == TABLE_LIST_TYPE:
        items.extend(store.tables.values())
    out = []
    for item in items:
        if item.visibility != visibility:
            continue
        node = element("LIST")
        for tag, value in (
            ("ID", item.id),
            ("NAME", item.name),
            ("TYPE", _kind(item)),
            ("SIZE", _size(item)),
            ("NUM_OPT_OUTS", _opt_outs(item)),
            ("NUM_UNDELIVERABLE", 0),
            ("LAST_MODIFIED", short_date(item.modified)),
            ("VISIBILITY", item.visibility),
            ("PARENT_NAME", None),
            ("USER_ID", store.config.client_id),
            ("PARENT_FOLDER_ID", 0),
            ("IS_FOLDER", "false"),
            ("FLAGGED_FOR_BACKUP", "false"),
            ("SUPPRESSION_LIST_ID", 0),
        ):
            sub(node, tag, value)
        out.append(node)
    return out


def get_list_meta_data(store: Store, op: Element) -> list[Element]:
    raw = text(op, "LIST_ID")
    table = store.tables.get(int(raw)) if raw and raw.isdigit() else None
    item: Database | Table = table if table is not None else store.database(raw)
    out = [
        element(tag, value)
        for tag, value in (
            ("ID", item.id),
            ("NAME", item.name),
            ("TYPE", _kind(item)),
            ("SIZE", _size(item)),
            ("NUM_OPT_OUTS", _opt_outs(item)),
            ("NUM_UNDELIVERABLE", 0),
            ("LAST_MODIFIED", short_date(item.modified)),
            ("LAST_CONFIGURED", short_date(item.modified)),
            ("CREATED", short_date(item.created)),
            ("VISIBILITY", item.visibility),
            ("USER_ID", store.config.client_id),
            ("ORGANIZATION_ID", store.config.organization_id),
            ("OPT_IN_FORM_DEFINED", "false"),
            ("OPT_OUT_FORM_DEFINED", "false"),
            ("PROFILE_FORM_DEFINED", "false"),
            ("OPT_IN_AUTOREPLY_DEFINED", "false"),
            ("PROFILE_AUTOREPLY_DEFINED", "false"),
        )
    ]
    columns = element("COLUMNS")
    for column in item.columns.values():
        node = sub(columns, "COLUMN")
        sub(node, "NAME", column.name)
        sub(node, "TYPE", column.type_code)
        sub(node, "DEFAULT_VALUE", column.default or None)
        if column.selection:
            values = sub(node, "SELECTION_VALUES")
            for value in column.selection:
                sub(values, "VALUE", value)
    keys = element("KEY_COLUMNS")
    for name in item.key_columns:
        sub(sub(keys, "COLUMN"), "NAME", name)
    return [*out, columns, keys]


def add_list_column(store: Store, op: Element) -> list[Element]:
    database = store.database(text(op, "LIST_ID"))
    name = required(op, "COLUMN_NAME")
    code = integer(op, "COLUMN_TYPE", 0) or 0
    if code not in LIST_TYPE_KINDS or code == 9:
        raise errors.invalid(f"Invalid COLUMN_TYPE {code}")
    if len(name) > 255:
        raise errors.invalid("Column names are limited to 255 characters")
    if any(existing.lower() == name.lower() for existing in database.columns):
        raise errors.invalid(f"Column {name} already exists in database {database.name}")
    if len(database.columns) >= store.config.max_columns:
        raise errors.invalid(f"A database has at most {store.config.max_columns} columns")
    default = text(op, "DEFAULT", "") or ""
    selection = tuple(value for value in texts(op, "SELECTION_VALUES/VALUE") if value)
    database.columns[name] = Column(name, LIST_TYPE_KINDS[code], code, default=default, selection=selection)
    for contact in database.contacts.values():
        contact.fields.setdefault(name, default)
    database.modified = store.clock.now()
    return []
