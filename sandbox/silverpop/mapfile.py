"""Map files (``LIST_IMPORT`` / ``TABLE_IMPORT``) and the delimited data files they describe.

Both are read when the job runs, as Acoustic does, and any problem with them fails the whole job (ERROR with
the reason in the ``.err`` file) rather than the ImportList call. ``INDEX`` is the 1-based field position;
headers are skipped with ``HASHEADERS`` but never used for mapping (silverpop.md §4.4).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sandbox.silverpop.errors import ApiFault
from sandbox.silverpop.jobs import JobFailed
from sandbox.silverpop.xmlio import Element, flag, parse_xml, text, texts

DELIMITERS = {0: ",", 1: "\t", 2: "|"}
LIST_ACTIONS = ("CREATE", "ADD_ONLY", "UPDATE_ONLY", "ADD_AND_UPDATE", "OPT_OUT")
TABLE_ACTIONS = ("CREATE", "ADD_ONLY", "UPDATE_ONLY", "ADD_AND_UPDATE")


@dataclass
class ColumnDef:
    name: str
    type: str
    required: bool
    key: bool
    default: str
    selection: tuple[str, ...]


@dataclass
class Mapped:
    index: int
    name: str


@dataclass
class ImportMap:
    """Either map kind: ``target_id``/``target_name`` are LIST_* or TABLE_* values."""

    action: str
    target_id: str | None
    target_name: str | None
    visibility: int
    file_type: int
    has_headers: bool
    columns: list[ColumnDef]
    mapping: list[Mapped]
    use_recipient_id: bool = False
    sync_fields: list[str] = field(default_factory=list)
    contact_lists: list[int] = field(default_factory=list)


def _safe(call, *args):  # type: ignore[no-untyped-def]
    try:
        return call(*args)
    except ApiFault as problem:
        raise JobFailed(f"Invalid map file: {problem.message}") from None


def parse_map(data: bytes, root_tag: str) -> ImportMap:
    root = _safe(parse_xml, data)
    if root.tag != root_tag:
        raise JobFailed(f"Invalid map file: the root element must be {root_tag}, not {root.tag}")
    prefix = "LIST" if root_tag == "LIST_IMPORT" else "TABLE"
    info = root.find(f"{prefix}_INFO")
    if info is None:
        raise JobFailed(f"Invalid map file: missing {prefix}_INFO")
    action = (text(info, "ACTION") or "").upper()
    allowed = LIST_ACTIONS if prefix == "LIST" else TABLE_ACTIONS
    if action not in allowed:
        raise JobFailed(f"Invalid map file: ACTION must be one of {', '.join(allowed)}")
    file_type = _number(info, "FILE_TYPE", 0)
    if file_type not in DELIMITERS:
        raise JobFailed("Invalid map file: FILE_TYPE must be 0 (CSV), 1 (tab) or 2 (pipe)")
    mapping = []
    for node in root.findall("MAPPING/COLUMN"):
        if not _safe(flag, node, "INCLUDE", True):
            continue
        index, name = _number(node, "INDEX", 0), text(node, "NAME") or ""
        if index < 1 or not name:
            raise JobFailed("Invalid map file: every MAPPING COLUMN needs an INDEX >= 1 and a NAME")
        mapping.append(Mapped(index, name))
    if not mapping:
        raise JobFailed("Invalid map file: MAPPING has no included COLUMN")
    return ImportMap(
        action=action,
        target_id=text(info, f"{prefix}_ID"),
        target_name=text(info, f"{prefix}_NAME"),
        visibility=_number(info, f"{prefix}_VISIBILITY", 0),
        file_type=file_type,
        has_headers=_safe(flag, info, "HASHEADERS", False),
        columns=[_column(node) for node in root.findall("COLUMNS/COLUMN")],
        mapping=mapping,
        use_recipient_id=_safe(flag, info, "USE_RECIPIENT_ID", False),
        sync_fields=[name for name in texts(root, "SYNC_FIELDS/SYNC_FIELD/NAME") if name],
        contact_lists=[int(value) for value in texts(root, "CONTACT_LISTS/CONTACT_LIST_ID") if value.isdigit()],
    )


def _number(parent: Element, tag: str, default: int) -> int:
    value = text(parent, tag)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise JobFailed(f"Invalid map file: {tag} must be a number") from None


def _column(node: Element) -> ColumnDef:
    name = text(node, "NAME")
    if not name:
        raise JobFailed("Invalid map file: a COLUMNS COLUMN has no NAME")
    return ColumnDef(
        name=name,
        type=(text(node, "TYPE") or "0").upper(),
        required=_safe(flag, node, "IS_REQUIRED", False),
        key=_safe(flag, node, "KEY_COLUMN", False),
        default=text(node, "DEFAULT_VALUE", "") or "",
        selection=tuple(value for value in texts(node, "SELECTION_VALUES/VALUE") if value),
    )


@dataclass
class DataFile:
    headers: list[str] | None
    rows: list[tuple[int, list[str]]]
    """(1-based line number, fields)."""


def read_data(data: bytes, encoding: str, file_type: int, has_headers: bool) -> DataFile:
    codec = "iso-8859-1" if encoding.replace("_", "-").lower() in ("iso-8859-1", "latin-1", "latin1") else "utf-8-sig"
    try:
        decoded = data.decode(codec)
    except UnicodeDecodeError as problem:
        raise JobFailed(f"The source file is not valid {encoding}: {problem}") from None
    try:
        records = list(csv.reader(io.StringIO(decoded, newline=""), delimiter=DELIMITERS[file_type]))
    except csv.Error as problem:
        raise JobFailed(f"The source file cannot be read: {problem}") from None
    headers, start = None, 1
    if has_headers and records:
        headers, records, start = records[0], records[1:], 2
    numbered = [(number, record) for number, record in enumerate(records, start) if any(f.strip() for f in record)]
    return DataFile(headers, numbered)
