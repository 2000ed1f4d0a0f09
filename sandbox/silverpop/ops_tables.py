"""Relational table operations: CreateTable, JoinTable, InsertUpdateRelationalTable, DeleteRelationalTableData.

InsertUpdateRelationalTable keeps ``SUCCESS`` true when single rows fail and reports them as ``FAILURES``,
echoing each failed row's key columns (silverpop.md §4.3); DeleteRelationalTableData answers the same way, takes
at most 1,000 rows a call (§6), and deleting a row that is not there is no failure (the sandbox's reading).
JoinTable is asynchronous like in Acoustic: it only returns a JOB_ID and the association exists once the job is
COMPLETE.
"""

from __future__ import annotations

from sandbox.silverpop import errors
from sandbox.silverpop.jobs import Job
from sandbox.silverpop.model import Column, Table
from sandbox.silverpop.store import Store
from sandbox.silverpop.tables import RowError, clean_row, reserved_message, upsert_row
from sandbox.silverpop.values import TABLE_TYPE_KINDS
from sandbox.silverpop.xmlio import Element, element, flag, required, sub, text, texts


def create_table(store: Store, op: Element) -> list[Element]:
    name = required(op, "TABLE_NAME")
    if any(table.name == name for table in store.tables.values()):
        raise errors.invalid(f"A relational table named {name} already exists")
    if len(store.tables) >= store.config.max_tables:
        raise errors.invalid(f"The organization already has {store.config.max_tables} relational tables")
    columns: dict[str, Column] = {}
    for node in op.findall("COLUMNS/COLUMN"):
        column_name = required(node, "NAME")
        word = (text(node, "TYPE", "TEXT") or "TEXT").upper()
        if store.config.is_reserved_table_field(column_name):
            raise errors.invalid(reserved_message(column_name))
        if word not in TABLE_TYPE_KINDS:
            raise errors.invalid(f"Invalid column TYPE {word} for column {column_name}")
        if column_name in columns:
            raise errors.invalid(f"Duplicate column {column_name}")
        key = flag(node, "KEY_COLUMN")
        columns[column_name] = Column(
            column_name,
            TABLE_TYPE_KINDS[word],
            word,
            required=key or flag(node, "IS_REQUIRED"),
            key=key,
            default=text(node, "DEFAULT_VALUE", "") or "",
            selection=tuple(value for value in texts(node, "SELECTION_VALUES/VALUE") if value),
        )
    if not columns:
        raise errors.invalid("CreateTable needs at least one COLUMN")
    if len(columns) > store.config.max_columns:
        raise errors.invalid(f"A relational table has at most {store.config.max_columns} columns")
    keys = [column.name for column in columns.values() if column.key]
    if not keys:
        raise errors.invalid("A relational table needs at least one KEY_COLUMN")
    now = store.clock.now()
    table = Table(store.ids.list_id(), name, 0, now, now, columns, keys)
    store.tables[table.id] = table
    return [element("TABLE_ID", table.id)]


def join_table(store: Store, op: Element) -> list[Element]:
    table = store.table(text(op, "TABLE_ID"), text(op, "TABLE_NAME"))
    list_id, list_name = text(op, "LIST_ID"), text(op, "LIST_NAME")
    database = store.database(list_id) if list_id or not list_name else store.database_by_name(list_name)
    remove = flag(op, "REMOVE")
    mapping: list[tuple[str, str]] = []
    for node in op.findall("MAP_FIELD"):
        list_field, table_field = required(node, "LIST_FIELD"), required(node, "TABLE_FIELD")
        column = database.column(list_field)
        if column is None:
            raise errors.invalid(f"Column {list_field} does not exist in database {database.name}")
        if table_field not in table.columns:
            raise errors.invalid(f"Column {table_field} does not exist in table {table.name}")
        mapping.append((column.name, table_field))
    if not remove and not mapping:
        raise errors.invalid("JoinTable needs at least one MAP_FIELD")
    parameters = {
        "TABLE_ID": str(table.id),
        "TABLE_NAME": table.name,
        "LIST_ID": str(database.id),
        "LIST_NAME": database.name,
    }
    verb = "Removing the association of" if remove else "Associating"
    job = store.new_job("JOIN_TABLE", f"{verb} relational table {table.name} with {database.name}", parameters)

    def work(_: Job) -> None:
        if remove:
            table.joins.pop(database.id, None)
        else:
            table.joins[database.id] = mapping

    job.work = work
    return [element("JOB_ID", job.id)]


def insert_update_relational_table(store: Store, op: Element) -> list[Element]:
    table = store.table(text(op, "TABLE_ID"), text(op, "TABLE_NAME"))
    rows = op.findall("ROWS/ROW")
    limit = store.config.max_rows_per_call
    if limit is not None and len(rows) > limit:
        raise errors.invalid(f"At most {limit} rows are allowed per InsertUpdateRelationalTable call")
    failures = element("FAILURES")
    for row in rows:
        pairs = [(node.get("name", ""), (node.text or "").strip()) for node in row.findall("COLUMN")]
        try:
            upsert_row(store, table, clean_row(store, table, pairs))
        except RowError as problem:
            node = sub(failures, "FAILURE", failure_type="transient" if problem.transient else "permanent")
            node.set("description", str(problem))
            for name, value in pairs:
                if name in table.key_columns:
                    sub(node, "COLUMN", value, name=name)
    return [failures] if len(failures) else []


MAX_DELETE_ROWS = 1000


def delete_relational_table_data(store: Store, op: Element) -> list[Element]:
    """Rows named by ``ROWS/ROW/KEY_COLUMN[@name]`` (every key column of the table) are deleted."""
    table = store.table(text(op, "TABLE_ID"), text(op, "TABLE_NAME"))
    rows = op.findall("ROWS/ROW")
    if len(rows) > MAX_DELETE_ROWS:
        raise errors.invalid(f"At most {MAX_DELETE_ROWS} rows are allowed per DeleteRelationalTableData call")
    failures = element("FAILURES")
    deleted = 0
    for row in rows:
        pairs = [(node.get("name", ""), (node.text or "").strip()) for node in row.findall("KEY_COLUMN")]
        values = dict(pairs)
        key = tuple(values.get(name, "") for name in table.key_columns)
        unknown = [name for name in values if name not in table.key_columns]
        problem = None
        if unknown:
            problem = f"Column {', '.join(unknown)} is not a key column of table {table.name}"
        elif not all(key):
            problem = f"Missing key column value: {', '.join(table.key_columns)}"
        if problem is not None:
            node = sub(failures, "FAILURE", failure_type="permanent")
            node.set("description", problem)
            for name, value in pairs:
                sub(node, "KEY_COLUMN", value, name=name)
            continue
        if table.rows.pop(key, None) is not None:
            deleted += 1
    if deleted:
        table.modified = store.clock.now()
    return [failures] if len(failures) else []
