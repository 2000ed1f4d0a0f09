"""Job operations: ImportList, ImportTable, ExportList, RawRecipientDataExport, GetJobStatus.

The call itself only checks what Acoustic checks synchronously (the list exists, the files are in ``upload/``,
the options are valid) and returns a JOB_ID; the files' bytes are captured now so a client that deletes them
after the call cannot change the outcome. The effect happens when the job completes (see ``jobs.py``).
"""

from __future__ import annotations

from sandbox.silverpop import errors
from sandbox.silverpop.clock import java_format, parse_request_date
from sandbox.silverpop.exporter import (
    EXPORT_DELIMITERS,
    RAW_DELIMITERS,
    SYSTEM_COLUMNS,
    ListExport,
    RawExport,
    default_columns,
    write_list_export,
    write_raw_export,
)
from sandbox.silverpop.import_list import run_import_list
from sandbox.silverpop.import_table import run_import_table
from sandbox.silverpop.jobs import Job
from sandbox.silverpop.results import LIST_COUNTERS, TABLE_COUNTERS, result_parameters, write_results
from sandbox.silverpop.store import Store
from sandbox.silverpop.xmlio import Element, element, flag, integer, sub, text, texts

EXPORT_LABELS = {"ALL": "All", "OPT_IN": "Opt In", "OPT_OUT": "Opt Out", "UNDELIVERABLE": "Undeliverable"}
_LIST_EXTRAS = {"CALC_LIST_JOB_ID": "0", "PARENT_FOLDER_NAME": "", "SYNC_FIELDS_FROM_MAPPING_FILE": "",
                "LIST_PROGRAM_LISTS": "", "CONSENT": ""}  # fmt: skip


def _encoding(op: Element) -> str:
    encoding = (text(op, "FILE_ENCODING") or "UTF-8").upper()
    if encoding.replace("_", "-") not in ("UTF-8", "ISO-8859-1"):
        raise errors.invalid("FILE_ENCODING must be UTF-8 or ISO-8859-1")
    return encoding


def _import(store: Store, op: Element, kind: str) -> list[Element]:
    map_path = store.upload_file(text(op, "MAP_FILE"), "MAP_FILE")
    source_path = store.upload_file(text(op, "SOURCE_FILE"), "SOURCE_FILE")
    encoding = _encoding(op)
    map_data, source = map_path.read_bytes(), source_path.read_bytes()
    is_list = kind == "IMPORT_LIST"
    description = f"Importing {source_path.name} into a {'database' if is_list else 'relational table'}"
    job = store.new_job(kind, description, {})
    if is_list:
        target = {"LIST_ID": "", "LIST_NAME": "", **_LIST_EXTRAS}
        job.parameters = result_parameters(job.id, LIST_COUNTERS, target)
    else:
        job.parameters = result_parameters(job.id, TABLE_COUNTERS, {"TABLE_ID": "", "TABLE_NAME": ""})
    runner = run_import_list if is_list else run_import_table

    def work(current: Job) -> None:
        runner(store, current, map_data, source, encoding)

    job.work = work
    job.on_error = lambda current, _: write_results(store.download_dir, current, None, None)
    return [element("JOB_ID", job.id)]


def import_list(store: Store, op: Element) -> list[Element]:
    return _import(store, op, "IMPORT_LIST")


def import_table(store: Store, op: Element) -> list[Element]:
    return _import(store, op, "IMPORT_TABLE")


def _window(op: Element, start_tag: str, end_tag: str) -> tuple[float | None, float | None]:
    bounds = []
    for tag in (start_tag, end_tag):
        value = text(op, tag)
        try:
            bounds.append(parse_request_date(value) if value else None)
        except ValueError:
            raise errors.invalid(f"{tag} must be MM/dd/yyyy HH:mm:ss") from None
    return bounds[0], bounds[1]


def export_list(store: Store, op: Element) -> list[Element]:
    database = store.database(text(op, "LIST_ID"))
    export_type = (text(op, "EXPORT_TYPE") or "ALL").upper()
    export_format = (text(op, "EXPORT_FORMAT") or "CSV").upper()
    if export_type not in EXPORT_LABELS:
        raise errors.invalid(f"EXPORT_TYPE must be one of {', '.join(EXPORT_LABELS)}")
    if export_format not in EXPORT_DELIMITERS:
        raise errors.invalid("EXPORT_FORMAT must be CSV, TAB or PIPE")
    columns = [name for name in texts(op, "EXPORT_COLUMNS/COLUMN") if name]
    for name in columns:
        if name not in (*SYSTEM_COLUMNS, "RECIPIENT_ID", "LIST_ID") and database.column(name) is None:
            raise errors.invalid(f"Column {name} does not exist in database {database.name}")
    if not columns:
        columns = default_columns(
            database,
            flag(op, "INCLUDE_RECIPIENT_ID"),
            flag(op, "INCLUDE_LIST_ID_IN_FILE"),
            flag(op, "INCLUDE_LEAD_SOURCE"),
        )
    stamp = java_format(store.clock.now(), "MMM d yyyy hh-mm-ss a")
    safe_name = database.name.replace("/", "_")
    extension = "CSV" if export_format == "CSV" else "TXT"
    name = store.download_name(f"{safe_name} - {EXPORT_LABELS[export_type]} - {stamp}.{extension}")
    plan = ListExport(
        database_id=database.id,
        file_name=name,
        export_type=export_type,
        delimiter=EXPORT_DELIMITERS[export_format],
        encoding=_encoding(op),
        columns=columns,
        date_format=text(op, "LIST_DATE_FORMAT") or None,
        window=_window(op, "DATE_START", "DATE_END"),
        use_created=flag(op, "USE_CREATED_DATE"),
    )
    parameters = {
        "FILE_PATH": f"/download/{name}",
        "LIST_ID": str(database.id),
        "LIST_NAME": database.name,
        "EXPORT_TYPE": export_type,
        "EXPORT_FORMAT": export_format,
        "KEEP_IN_STORED_FILES": "true" if flag(op, "ADD_TO_STORED_FILES") else "false",
        "KEEP_IN_FTP_DOWNLOAD_DIRECTORY": "true",
        "FILE_ENCODING": plan.encoding.lower(),
    }
    description = f"Exporting {EXPORT_LABELS[export_type]} contacts of {database.name}"
    job = store.new_job("EXPORT_LIST", description, parameters)
    job.work = lambda current: current.parameters.update(NUM_RECORDS=str(write_list_export(store, plan)))
    job.on_error = lambda current, _: store.reserved_files.discard(name)
    return [element("JOB_ID", job.id), element("FILE_PATH", parameters["FILE_PATH"])]


def raw_recipient_data_export(store: Store, op: Element) -> list[Element]:
    list_ids: set[int] | None = None
    for mailing in op.findall("MAILING"):
        if text(mailing, "LIST_ID"):
            list_ids = (list_ids or set()) | {store.database(text(mailing, "LIST_ID")).id}
        elif any(text(mailing, tag) for tag in ("MAILING_ID", "REPORT_ID", "CAMPAIGN_ID")):
            list_ids = list_ids or set()  # the sandbox sends no mailings: nothing matches
    kinds = set()
    if flag(op, "ALL_EVENT_TYPES") or not any(flag(op, tag) for tag in ("OPTINS", "OPTOUTS")):
        kinds = {"Opt In", "Opt Out"}
    kinds |= {"Opt In"} if flag(op, "OPTINS") else set()
    kinds |= {"Opt Out"} if flag(op, "OPTOUTS") else set()
    export_format = integer(op, "EXPORT_FORMAT", 0) or 0
    if export_format not in RAW_DELIMITERS:
        raise errors.invalid("EXPORT_FORMAT must be 0 (CSV), 1 (pipe) or 2 (tab)")
    stamp = java_format(store.clock.now(), "MMM d yyyy hh-mm-ss a")
    base = text(op, "EXPORT_FILE_NAME") or f"Raw Recipient Data Export {stamp}"
    name = store.download_name(base.replace("/", "_") + (".csv" if export_format == 0 else ".txt"))
    plan = RawExport(
        file_name=name,
        delimiter=RAW_DELIMITERS[export_format],
        encoding=_encoding(op),
        list_ids=list_ids,
        kinds=kinds,
        window=_window(op, "EVENT_DATE_START", "EVENT_DATE_END"),
        extra_columns=[name for name in texts(op, "COLUMNS/COLUMN/NAME") if name],
    )
    parameters = {"FILE_PATH": f"/download/{name}", "FILE_ENCODING": plan.encoding.lower()}
    job = store.new_job("RAW_RECIPIENT_DATA_EXPORT", "Exporting raw recipient data", parameters)
    job.work = lambda current: current.parameters.update(NUM_RECORDS=str(write_raw_export(store, plan)))
    job.on_error = lambda current, _: store.reserved_files.discard(name)
    mailing = element("MAILING")
    sub(mailing, "JOB_ID", job.id)
    sub(mailing, "FILE_PATH", parameters["FILE_PATH"])
    return [mailing]


def get_job_status(store: Store, op: Element) -> list[Element]:
    job_id = integer(op, "JOB_ID")
    if job_id is None:
        raise errors.missing("JOB_ID")
    store.jobs.advance()
    job = store.jobs.get(job_id)
    if job is None:
        raise errors.invalid(f"Job {job_id} does not exist")
    parameters = element("PARAMETERS")
    for name, value in job.parameters.items():
        node = sub(parameters, "PARAMETER")
        sub(node, "NAME", name)
        sub(node, "VALUE", value)
    return [
        element("JOB_ID", job.id),
        element("JOB_STATUS", job.status),
        element("JOB_DESCRIPTION", job.description),
        parameters,
    ]
