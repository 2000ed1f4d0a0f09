"""Relational table rows through the XML API: InsertUpdateRelationalTable and DeleteRelationalTableData.

Both answer ``SUCCESS`` even when single rows fail and list those under ``FAILURES/FAILURE`` with a
``failure_type`` (transient or permanent), a description and the row's key columns (silverpop.md §4.3), so
both return the failures for the caller to match back to its rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from steps.silverpop import xmlapi
from steps.silverpop.client import SilverpopClient

MAX_DELETE_ROWS = 1000  # DeleteRelationalTableData takes at most 1,000 records a request (silverpop.md §6)


@dataclass
class RowFailure:
    failure_type: str
    description: str
    key: dict[str, str]

    @property
    def transient(self) -> bool:
        return self.failure_type.lower() == "transient"


def _failures(result: xmlapi.Element, column_tag: str) -> list[RowFailure]:
    failures = []
    for node in result.findall("FAILURES/FAILURE"):
        key = {column.get("name", ""): (column.text or "").strip() for column in node.findall(column_tag)}
        failures.append(RowFailure(node.get("failure_type", "permanent"), node.get("description", ""), key))
    return failures


def insert_update_rows(client: SilverpopClient, table_id: str, rows: list[dict[str, str]]) -> list[RowFailure]:
    """InsertUpdateRelationalTable; SUCCESS stays true when rows fail, so the FAILURES are returned."""
    op = xmlapi.operation("InsertUpdateRelationalTable", {"TABLE_ID": table_id}, xmlapi.rows_element(rows))
    return _failures(client.call(op), "COLUMN")


def delete_rows(client: SilverpopClient, table_id: str, keys: Sequence[Mapping[str, str]]) -> list[RowFailure]:
    """DeleteRelationalTableData of the rows with these key column values (``ROW/KEY_COLUMN[@name]``)."""
    if len(keys) > MAX_DELETE_ROWS:
        raise ValueError(f"at most {MAX_DELETE_ROWS} rows per DeleteRelationalTableData call")
    rows = xmlapi.element("ROWS")
    for key in keys:
        row = xmlapi.sub(rows, "ROW")
        for name, value in key.items():
            xmlapi.sub(row, "KEY_COLUMN", value, name=name)
    op = xmlapi.operation("DeleteRelationalTableData", {"TABLE_ID": table_id}, rows)
    return _failures(client.call(op), "KEY_COLUMN")
