"""Records as the CSV of a bulk job, and the partner's file of failed rows matched back to those records.

Marketo's failures file and Salesforce's ``failedResults`` repeat each refused row as it was sent plus a reason
column, with no row number, so a row is found again by its values (rows sent twice are matched in order).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from steps.rest.values import as_text
from steps.rest.writer import Refusals


def table(rows: list[Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Columns (every field, in first-appearance order) and the rows as text cells."""
    header: dict[str, None] = {}
    for row in rows:
        header.update(dict.fromkeys(row))
    columns = list(header)
    return columns, [[as_text(row.get(name)) for name in columns] for row in rows]


def to_csv(columns: list[str], cells: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(cells)
    return out.getvalue().encode()


def match_failures(
    text: str,
    columns: list[str],
    cells: list[list[str]],
    reason_column: str,
    details: dict[str, Any],
    warn: Callable[[str], None],
) -> Refusals:
    where: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, row in enumerate(cells):
        where[tuple(row)].append(index)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, [])
    reason_at = header.index(reason_column) if reason_column in header else None
    positions = [header.index(name) if name in header else None for name in columns]
    refused: Refusals = {}
    for line in reader:
        if not line:
            continue
        key = tuple(line[p] if p is not None and p < len(line) else "" for p in positions)
        reason = line[reason_at] if reason_at is not None and reason_at < len(line) else "refused"
        indices = where.get(key)
        if indices:
            refused[indices.pop(0)] = (reason, dict(details))
        else:
            warn(f"the partner refused a row it did not identify: {reason}")
    return refused
