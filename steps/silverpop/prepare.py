"""Turning the DSV file a flow made into the file ImportList reads, and matching its header to the database.

Why rewrite instead of uploading the flow's file as it is: the upload must be comma-separated UTF-8 with one
physical line per row (so ``.err`` line numbers point at the row), Yes/No and date columns must hold what
Silverpop reads (``Yes``, ``MM/dd/yyyy`` in GMT) whatever Gigya sent, and a header column the database lacks
would otherwise fail the whole import job after the upload. One streaming pass does all of it; the header is
checked against GetListMetaData before any byte is sent.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dataflow.errors import FatalError
from steps.file.dsv_dialect import reader_options
from steps.silverpop.ops import ListMeta
from steps.silverpop.values import Converter, converter, is_phone, one_line, yes_no

SEPARATORS = (",", "\t", "|", ";")


@dataclass
class Column:
    source: str  # as the file's header spells it
    target: str  # as the database spells it
    include: bool
    convert: Converter | None


@dataclass
class Prepared:
    path: Path
    columns: list[Column]
    sync_fields: list[str]
    rows: int = 0
    origin: list[int] = field(default_factory=list)  # prepared row i came from source data row origin[i]
    local_rejects: list[tuple[int, list[str], str]] = field(default_factory=list)


def detect_separator(header_line: str, configured: str | None) -> str:
    if configured:
        return reader_options({"columnSeparator": configured})["delimiter"]
    counts = {separator: header_line.count(separator) for separator in SEPARATORS}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def source_rows(path: Path, separator: str | None) -> Iterator[list[str]]:
    """The file's rows, header first, read with the separator given (or the one its header line uses)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        handle.seek(0)  # the utf-8-sig decoder skips a byte-order mark again after the seek
        delimiter = detect_separator(first, separator)
        yield from csv.reader(handle, delimiter=delimiter, quotechar='"')


def plan_columns(
    header: list[str],
    meta: ListMeta,
    *,
    uid_column: str,
    newsletter_fields: list[str],
    sync_phones: bool,
    phone_columns: list[str],
    ignore_unknown: bool,
    helper_columns: frozenset[str] = frozenset(),
) -> tuple[list[Column], list[str], list[str]]:
    """(columns, SYNC_FIELDS, notes) for a header; ``FatalError`` when the import could not work.

    ``helper_columns`` are read by the writer itself (when Gigya changed a newsletter) and never imported.
    """
    columns: list[Column] = []
    unknown: list[str] = []
    notes: list[str] = []
    for name in header:
        if name in helper_columns:
            columns.append(Column(name, name, False, None))
            continue
        target = meta.column(name)
        if target is None:
            unknown.append(name)
            columns.append(Column(name, name, False, None))
            continue
        type_text = meta.columns.get(target, "")
        phone = is_phone(type_text) or name in phone_columns
        convert = yes_no if name in newsletter_fields else converter(type_text)
        columns.append(Column(name, target, sync_phones or not phone, convert))
        if phone and not sync_phones:
            notes.append(f"phone column {name} left out: syncPhoneNumbers is off")
    where = f"database {meta.name} ({meta.id})"
    if unknown and not ignore_unknown:
        raise FatalError(
            f"the file has column(s) {', '.join(unknown)} that {where} does not have; remove them in the flow, "
            "add them in Silverpop, or set ignoreUnknownColumns"
        )
    if unknown:
        notes.append(f"column(s) not in {where} left out: {', '.join(unknown)}")
    missing = [name for name in newsletter_fields if name not in header]
    if missing:
        notes.append(f"newsletterField {', '.join(missing)} is not a column of this file: nothing sent for it")
    present = {column.target for column in columns if column.include}
    if meta.key_columns:
        absent = [key for key in meta.key_columns if key not in present]
        if absent:
            raise FatalError(f"the file has no {', '.join(absent)} column, the key of {where}")
        return columns, [], notes
    uid = meta.column(uid_column)
    if uid is None or uid not in present:
        raise FatalError(f"{where} has no unique key, so contacts are matched on {uid_column}: the file needs it")
    return columns, [uid], notes


def write_prepared(
    rows: Iterator[list[str]],
    columns: list[Column],
    target: Path,
    prepared: Prepared,
    hook: Callable[[list[str]], None] | None = None,
) -> None:
    """Write the upload file from the source rows after the header; fills ``prepared`` counts as it goes.

    ``hook`` sees each row after its values are converted (Yes/No, GMT dates) and may change it in place.
    """
    width = len(columns)
    converters = [(index, column.convert) for index, column in enumerate(columns) if column.convert is not None]
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([column.target for column in columns])
        for number, row in enumerate(rows):
            if len(row) != width:
                if not any(cell.strip() for cell in row):
                    continue
                prepared.local_rejects.append((number, row, f"{len(row)} fields where the header has {width}"))
                continue
            for index, convert in converters:
                if row[index]:
                    row[index] = convert(row[index])
            if hook is not None:
                hook(row)
            writer.writerow([one_line(cell) for cell in row])
            prepared.origin.append(number)
            prepared.rows += 1


def split_prepared(prepared: Prepared, column: int, wanted: str, paths: tuple[Path, Path]) -> tuple[Prepared, Prepared]:
    """(rows whose ``column`` holds ``wanted``, the others), each its own upload file with its own origins."""
    parts = (
        Prepared(paths[0], prepared.columns, prepared.sync_fields),
        Prepared(paths[1], prepared.columns, prepared.sync_fields),
    )
    with open(prepared.path, encoding="utf-8", newline="") as source:
        rows = csv.reader(source)
        header = next(rows)
        with (
            open(paths[0], "w", encoding="utf-8", newline="") as first,
            open(paths[1], "w", encoding="utf-8", newline="") as second,
        ):
            writers = (csv.writer(first, lineterminator="\n"), csv.writer(second, lineterminator="\n"))
            for writer in writers:
                writer.writerow(header)
            for number, row in enumerate(rows):
                side = 0 if row[column] == wanted else 1
                writers[side].writerow(row)
                parts[side].origin.append(prepared.origin[number])
                parts[side].rows += 1
    return parts
