"""The ``.res`` and ``.err`` files an import leaves in ``download/``.

``<job>.res`` is a summary, one ``PARAMETER: value`` line per GetJobStatus parameter, so a client can read the
same numbers from either place. ``<job>.err`` is a CSV of the rejected rows: source line number, the reason,
then the row's original fields (under the source file's own headers when it had them). A failed job writes the
reason into both files. Files are written to a temporary name and renamed, so an SFTP reader never sees half a
file.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.silverpop.jobs import Job

LIST_COUNTERS = ("TOTAL_ROWS", "TOTAL_VALID", "SQL_ADDED", "SQL_UPDATED", "BAD_RECORDS", "BAD_ADDRESSES",
                 "DUPLICATES", "NOT_ALLOWED")  # fmt: skip
TABLE_COUNTERS = ("TOTAL_ROWS", "TOTAL_VALID", "SQL_ADDED", "SQL_UPDATED", "BAD_RECORDS", "DUPLICATES", "NOT_ALLOWED")


@dataclass
class Outcome:
    counters: dict[str, int]
    rejected: list[tuple[int, str, list[str]]] = field(default_factory=list)

    @classmethod
    def start(cls, names: tuple[str, ...]) -> Outcome:
        return cls({name: 0 for name in names})

    def count(self, name: str) -> None:
        self.counters[name] += 1

    def reject(self, counter: str, line: int, reason: str, fields: list[str]) -> None:
        self.counters[counter] += 1
        self.rejected.append((line, reason, fields))


def atomic_write(path: Path, content: str, encoding: str = "utf-8") -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(content, encoding=encoding, newline="")
    os.replace(partial, path)


def write_results(download: Path, job: Job, outcome: Outcome | None, headers: list[str] | None) -> None:
    lines = [f"JOB_ID: {job.id}", f"JOB_STATUS: {'ERROR' if job.error else 'COMPLETE'}"]
    lines += [f"{name}: {value}" for name, value in job.parameters.items()]
    if job.error:
        lines.append(f"ERROR: {job.error}")
    atomic_write(download / job.parameters["RESULTS_FILE_NAME"], "\n".join(lines) + "\n")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Line", "Error", *(headers or [])])
    if job.error:
        writer.writerow(["", job.error])
    for line, reason, fields in outcome.rejected if outcome else []:
        writer.writerow([line, reason, *fields])
    atomic_write(download / job.parameters["ERROR_FILE_NAME"], buffer.getvalue())


def result_parameters(job_id: int, counters: tuple[str, ...], target: dict[str, str]) -> dict[str, str]:
    """GetJobStatus parameters of an import before it has run (numbers zero, file names known)."""
    parameters = {name: "0" for name in counters}
    parameters.update(target)
    parameters["RESULTS_FILE_NAME"] = f"{job_id}.res"
    parameters["ERROR_FILE_NAME"] = f"{job_id}.err"
    return parameters
