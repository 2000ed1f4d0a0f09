"""ImportList's job: apply a data file to a database following a ``LIST_IMPORT`` map.

Everything that can fail the whole job (map, target database, unknown mapped columns, encoding) is checked
before the first contact changes, so an ERROR job applies nothing. Row problems only reject that row, counted
as Acoustic counts them (BAD_RECORDS, BAD_ADDRESSES, DUPLICATES within the file, NOT_ALLOWED for rows the ACTION
excludes) and listed in the ``.err`` file. Only ``ACTION=OPT_OUT`` touches the opt-out state.
"""

from __future__ import annotations

from sandbox.silverpop import errors
from sandbox.silverpop.contacts import FieldError, add_contact, clean_fields, key_criteria, update_contact
from sandbox.silverpop.jobs import Job, JobFailed
from sandbox.silverpop.mapfile import ImportMap, parse_map, read_data
from sandbox.silverpop.model import EMAIL, Column, Contact, Database
from sandbox.silverpop.results import LIST_COUNTERS, Outcome, write_results
from sandbox.silverpop.seed import DatabaseSpec, database_columns
from sandbox.silverpop.store import Store
from sandbox.silverpop.values import LIST_TYPE_KINDS

RECIPIENT_ID = "RECIPIENT_ID"


def _target(store: Store, plan: ImportMap) -> Database:
    if plan.action == "CREATE":
        name = plan.target_name
        if not name:
            raise JobFailed("ACTION CREATE needs LIST_NAME")
        if any(database.name == name for database in store.databases.values()):
            raise JobFailed(f"A database named {name} already exists")
        return _create(store, plan, name)
    try:
        return store.database(plan.target_id)
    except errors.ApiFault as problem:
        raise JobFailed(problem.message) from None


def _create(store: Store, plan: ImportMap, name: str) -> Database:
    """A new database from the map's COLUMNS (not yet registered: nothing is stored before validation ends)."""
    keys = tuple(column.name for column in plan.columns if column.key) or (EMAIL,)
    spec = DatabaseSpec(name, keys, (), plan.visibility)
    now = store.clock.now()
    database = Database(store.ids.list_id(), name, plan.visibility, now, now, database_columns(spec), list(keys))
    for column in _new_columns(database, plan):
        database.columns[column.name] = column
    missing = [key for key in keys if key not in database.columns]
    if missing:
        raise JobFailed(f"Key column {', '.join(missing)} is not defined in COLUMNS")
    return database


def _new_columns(database: Database, plan: ImportMap) -> list[Column]:
    added = []
    for definition in plan.columns:
        if database.column(definition.name) is not None:
            continue
        code = int(definition.type) if definition.type.isdigit() else -1
        if code not in LIST_TYPE_KINDS or code == 9:
            raise JobFailed(f"Invalid TYPE {definition.type} for column {definition.name}")
        added.append(
            Column(definition.name, LIST_TYPE_KINDS[code], code, definition.required, definition.key,
                   definition.default, definition.selection)
        )  # fmt: skip
    return added


def run_import_list(store: Store, job: Job, map_data: bytes, source: bytes, encoding: str) -> None:
    plan = parse_map(map_data, "LIST_IMPORT")
    if plan.contact_lists and plan.action in ("CREATE", "OPT_OUT"):
        raise JobFailed("CONTACT_LISTS is not allowed with ACTION CREATE or OPT_OUT")
    database = _target(store, plan)
    new_columns = [] if plan.action == "CREATE" else _new_columns(database, plan)
    known = set(database.columns) | {column.name for column in new_columns} | {RECIPIENT_ID}
    for mapped in plan.mapping:
        if mapped.name not in known and not (mapped.name.lower() == "email" and EMAIL in known):
            raise JobFailed(f"Mapped column {mapped.name} does not exist in database {database.name}")
    data = read_data(source, encoding, plan.file_type, plan.has_headers)
    # Validation is over: from here on the job changes the store.
    if plan.action == "CREATE":
        store.databases[database.id] = database
    for column in new_columns:
        database.columns[column.name] = column
        for contact in database.contacts.values():
            contact.fields.setdefault(column.name, column.default)
    outcome = Outcome.start(LIST_COUNTERS)
    seen: set[tuple[tuple[str, str], ...]] = set()
    width = max(mapped.index for mapped in plan.mapping)
    for line, fields in data.rows:
        outcome.count("TOTAL_ROWS")
        if len(fields) < width:
            outcome.reject("BAD_RECORDS", line, f"The row has {len(fields)} fields; the map needs {width}", fields)
            continue
        _row(store, database, plan, outcome, seen, line, fields)
    job.parameters.update({name: str(value) for name, value in outcome.counters.items()})
    job.parameters.update({"LIST_ID": str(database.id), "LIST_NAME": database.name})
    write_results(store.download_dir, job, outcome, data.headers)


def _row(
    store: Store,
    database: Database,
    plan: ImportMap,
    outcome: Outcome,
    seen: set[tuple[tuple[str, str], ...]],
    line: int,
    fields: list[str],
) -> None:
    pairs = [(mapped.name, fields[mapped.index - 1]) for mapped in plan.mapping]
    recipient = next((value.strip() for name, value in pairs if name == RECIPIENT_ID), "")
    try:
        values = clean_fields(database, [pair for pair in pairs if pair[0] != RECIPIENT_ID], store.config)
    except FieldError as problem:
        counter = "BAD_ADDRESSES" if "Email" in str(problem) else "BAD_RECORDS"
        outcome.reject(counter, line, str(problem), fields)
        return
    if plan.use_recipient_id:
        lookup = {RECIPIENT_ID: recipient} if recipient.isdigit() else None
    elif plan.sync_fields:
        lookup = {name: values.get(name, "") for name in plan.sync_fields}
        lookup = lookup if all(lookup.values()) else None
    else:
        lookup = key_criteria(database, values)
    if lookup is None:
        outcome.reject("BAD_RECORDS", line, f"Missing key column value: {', '.join(database.key_columns)}", fields)
        return
    signature = tuple(sorted((name, value.lower()) for name, value in lookup.items()))
    if signature in seen:
        outcome.reject("DUPLICATES", line, "Duplicate key in the source file", fields)
        return
    seen.add(signature)
    if RECIPIENT_ID in lookup:
        found = database.contacts.get(int(lookup[RECIPIENT_ID]))
        matches: list[Contact] = [found] if found else []
    else:
        matches = database.find(lookup)
    _apply(store, database, plan, outcome, line, fields, values, matches[0] if matches else None)


def _apply(
    store: Store,
    database: Database,
    plan: ImportMap,
    outcome: Outcome,
    line: int,
    fields: list[str],
    values: dict[str, str],
    existing: Contact | None,
) -> None:
    action = plan.action
    if existing is None and action in ("UPDATE_ONLY", "OPT_OUT"):
        outcome.reject("NOT_ALLOWED", line, f"No such contact; ACTION {action} does not add contacts", fields)
        return
    if existing is not None and action == "ADD_ONLY":
        outcome.reject("NOT_ALLOWED", line, "The contact exists; ACTION ADD_ONLY does not update contacts", fields)
        return
    try:
        if existing is None:
            contact = add_contact(store, database, values, 0)
            outcome.count("SQL_ADDED")
        elif action == "OPT_OUT":
            contact = existing
            store.opt_out(database, contact)
            outcome.count("SQL_UPDATED")
        else:
            contact = existing
            update_contact(store, database, contact, values)
            outcome.count("SQL_UPDATED")
    except FieldError as problem:
        outcome.reject("BAD_RECORDS", line, str(problem), fields)
        return
    contact.contact_lists.update(plan.contact_lists)
    outcome.count("TOTAL_VALID")
