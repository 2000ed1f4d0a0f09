"""ImportTable's job: apply a data file to a relational table following a ``TABLE_IMPORT`` map.

Like ImportList, every whole-job problem is found before the first row is written. Mapping (or, with
``ACTION=CREATE``, defining) a reserved field such as ``email`` fails the job: the project's emulator rule is
that it can never be imported into a relational table. Column names must match the table exactly, case included.
"""

from __future__ import annotations

from sandbox.silverpop import errors
from sandbox.silverpop.jobs import Job, JobFailed
from sandbox.silverpop.mapfile import ImportMap, parse_map, read_data
from sandbox.silverpop.model import Column, Table
from sandbox.silverpop.results import TABLE_COUNTERS, Outcome, write_results
from sandbox.silverpop.store import Store
from sandbox.silverpop.tables import SKIPPED, RowError, clean_row, reserved_message, row_key, upsert_row
from sandbox.silverpop.values import TABLE_TYPE_KINDS


def _create(store: Store, plan: ImportMap) -> Table:
    name = plan.target_name
    if not name:
        raise JobFailed("ACTION CREATE needs TABLE_NAME")
    if any(table.name == name for table in store.tables.values()):
        raise JobFailed(f"A relational table named {name} already exists")
    if len(store.tables) >= store.config.max_tables:
        raise JobFailed(f"The organization already has {store.config.max_tables} relational tables")
    columns: dict[str, Column] = {}
    for definition in plan.columns:
        if store.config.is_reserved_table_field(definition.name):
            raise JobFailed(reserved_message(definition.name))
        if definition.type not in TABLE_TYPE_KINDS:
            raise JobFailed(f"Invalid TYPE {definition.type} for column {definition.name}")
        columns[definition.name] = Column(
            definition.name,
            TABLE_TYPE_KINDS[definition.type],
            definition.type,
            definition.required or definition.key,
            definition.key,
            definition.default,
            definition.selection,
        )
    keys = [name for name, column in columns.items() if column.key]
    if not keys:
        raise JobFailed("A relational table needs at least one KEY_COLUMN")
    now = store.clock.now()
    return Table(store.ids.list_id(), name, plan.visibility, now, now, columns, keys)


def _target(store: Store, plan: ImportMap) -> Table:
    if plan.action == "CREATE":
        return _create(store, plan)
    try:
        return store.table(plan.target_id, plan.target_name)
    except errors.ApiFault as problem:
        raise JobFailed(problem.message) from None


def run_import_table(store: Store, job: Job, map_data: bytes, source: bytes, encoding: str) -> None:
    plan = parse_map(map_data, "TABLE_IMPORT")
    for mapped in plan.mapping:
        if store.config.is_reserved_table_field(mapped.name):
            raise JobFailed(reserved_message(mapped.name))
    table = _target(store, plan)
    for mapped in plan.mapping:
        if mapped.name not in table.columns:
            raise JobFailed(f"Mapped column {mapped.name} does not exist in table {table.name}")
    data = read_data(source, encoding, plan.file_type, plan.has_headers)
    # Validation is over: from here on the job changes the store.
    if plan.action == "CREATE":
        store.tables[table.id] = table
    add = plan.action in ("CREATE", "ADD_ONLY", "ADD_AND_UPDATE")
    update = plan.action in ("CREATE", "UPDATE_ONLY", "ADD_AND_UPDATE")
    outcome = Outcome.start(TABLE_COUNTERS)
    seen: set[tuple[str, ...]] = set()
    width = max(mapped.index for mapped in plan.mapping)
    for line, fields in data.rows:
        outcome.count("TOTAL_ROWS")
        if len(fields) < width:
            outcome.reject("BAD_RECORDS", line, f"The row has {len(fields)} fields; the map needs {width}", fields)
            continue
        try:
            values = clean_row(store, table, [(mapped.name, fields[mapped.index - 1]) for mapped in plan.mapping])
            key = row_key(table, values)
            if key in seen:
                outcome.reject("DUPLICATES", line, "Duplicate key in the source file", fields)
                continue
            seen.add(key)
            result = upsert_row(store, table, values, add=add, update=update)
        except RowError as problem:
            outcome.reject("BAD_RECORDS", line, str(problem), fields)
            continue
        if result == SKIPPED:
            outcome.reject("NOT_ALLOWED", line, f"ACTION {plan.action} excludes this row", fields)
            continue
        outcome.count("SQL_ADDED" if result == "added" else "SQL_UPDATED")
        outcome.count("TOTAL_VALID")
    job.parameters.update({name: str(value) for name, value in outcome.counters.items()})
    job.parameters.update({"TABLE_ID": str(table.id), "TABLE_NAME": table.name})
    write_results(store.download_dir, job, outcome, data.headers)
