"""An import's outcome: the ``.res`` summary and the ``.err`` rejected rows Silverpop leaves in ``download/``.

The layout of both files is not documented publicly (silverpop.md §4.4 names them only), so they are read
leniently: ``.res`` is taken as ``NAME: value`` (or ``NAME=value``) lines, and ``.err`` as a CSV whose
``Line`` and ``Error`` columns (any case, any position) say where and why, the other columns being the row's
own fields. When there is no ``Line`` column the row is matched by its fields alone.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

_RES_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*[:=]\s*(.*?)\s*$")


@dataclass
class Rejected:
    line: int | None  # 1-based line of the data file (the header is line 1), when Silverpop gave it
    reason: str
    fields: list[str]


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    job_error: str | None = None  # a reason given for the whole job rather than for a row


def read_res(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _RES_LINE.match(line)
        if match:
            found[match.group(1).strip().upper().replace(" ", "_")] = match.group(2)
    return found


def counts(values: dict[str, str]) -> dict[str, int]:
    return {name: int(value) for name, value in values.items() if value.strip().lstrip("-").isdigit()}


def read_err(path: Path) -> tuple[list[Rejected], str | None]:
    """The rejected rows, and a job-level reason (a row with an error but no line and no fields)."""
    rejected: list[Rejected] = []
    job_error = None
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if header is None:
            return [], None
        lowered = [name.strip().lower() for name in header]
        line_at = lowered.index("line") if "line" in lowered else None
        error_at = next((i for i, name in enumerate(lowered) if name in ("error", "reason", "error message")), None)
        skip = {i for i in (line_at, error_at) if i is not None}
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue
            line_text = row[line_at].strip() if line_at is not None and line_at < len(row) else ""
            reason = row[error_at].strip() if error_at is not None and error_at < len(row) else ""
            fields = [cell for i, cell in enumerate(row) if i not in skip]
            if not line_text and not any(cell.strip() for cell in fields):
                job_error = reason or job_error
                continue
            line = int(line_text) if line_text.isdigit() else None
            rejected.append(Rejected(line, reason or "rejected by Silverpop (no reason given)", fields))
    return rejected, job_error


def error_reason(path: Path | None, res: dict[str, str]) -> str | None:
    """Why a failed job failed, from whichever of the two files says it."""
    if res.get("ERROR"):
        return res["ERROR"]
    if path is not None and path.exists():
        _, reason = read_err(path)
        return reason
    return None
