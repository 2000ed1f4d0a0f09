"""Map files for ImportList (``LIST_IMPORT``) and ImportTable (``TABLE_IMPORT``), generated per import.

Silverpop maps data columns by 1-based ``INDEX``, never by header (silverpop.md §4.4), so the map is written
from the very header of the file being uploaded: column ``i`` of the file is ``INDEX i``, named as the
database or table spells it. Columns the step leaves out (phone numbers when SMS sync is off) are listed with
``INCLUDE false`` so the indexes of the others stay right. The data files are always comma-separated UTF-8
with a header row (``FILE_TYPE 0``, ``HASHEADERS true``).
"""

from __future__ import annotations

from collections.abc import Sequence

from steps.silverpop import xmlapi

CSV_FILE_TYPE = 0


def _mapping(columns: Sequence[tuple[str, bool]]) -> xmlapi.Element:
    mapping = xmlapi.element("MAPPING")
    for index, (name, include) in enumerate(columns, start=1):
        column = xmlapi.sub(mapping, "COLUMN")
        xmlapi.sub(column, "INDEX", index)
        xmlapi.sub(column, "NAME", name)
        xmlapi.sub(column, "INCLUDE", "true" if include else "false")
    return mapping


def list_import(
    list_id: str,
    columns: Sequence[tuple[str, bool]],
    action: str = "ADD_AND_UPDATE",
    sync_fields: Sequence[str] = (),
) -> bytes:
    """A ``LIST_IMPORT`` map. ``sync_fields`` match contacts in a flexible database (no unique key)."""
    root = xmlapi.element("LIST_IMPORT")
    info = xmlapi.sub(root, "LIST_INFO")
    xmlapi.sub(info, "ACTION", action)
    xmlapi.sub(info, "LIST_ID", list_id)
    xmlapi.sub(info, "FILE_TYPE", CSV_FILE_TYPE)
    xmlapi.sub(info, "HASHEADERS", "true")
    if sync_fields:
        block = xmlapi.sub(root, "SYNC_FIELDS")
        for name in sync_fields:
            xmlapi.sub(xmlapi.sub(block, "SYNC_FIELD"), "NAME", name)
    root.append(_mapping(columns))
    return xmlapi.document(root)


def table_import(table_id: str, columns: Sequence[str], action: str = "ADD_AND_UPDATE") -> bytes:
    """A ``TABLE_IMPORT`` map into an existing relational table (rows matched on its key columns)."""
    root = xmlapi.element("TABLE_IMPORT")
    info = xmlapi.sub(root, "TABLE_INFO")
    xmlapi.sub(info, "ACTION", action)
    xmlapi.sub(info, "TABLE_ID", table_id)
    xmlapi.sub(info, "FILE_TYPE", CSV_FILE_TYPE)
    xmlapi.sub(info, "HASHEADERS", "true")
    root.append(_mapping([(name, True) for name in columns]))
    return xmlapi.document(root)
