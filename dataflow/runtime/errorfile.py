"""The job's error file: failed records that had no ``error`` path to go down, one JSON line each.

Nothing is lost: every such record lands here with the step and the reason. Lines pass through the job's
redactor, so a secret that found its way into a record or message is masked.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from dataflow import jsonio
from dataflow.clock import iso, utc_now
from dataflow.files import FileRef
from dataflow.runtime.redaction import Redactor


class ErrorFile:
    def __init__(self, path: Path, redactor: Redactor) -> None:
        self.path = path
        self.count = 0
        self._redactor = redactor
        self._handle: IO[str] | None = None

    def write(self, step_id: str, step_type: str, item: Any, message: str, details: dict[str, Any]) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        entry: dict[str, Any] = {
            "time": iso(utc_now()),
            "stepId": step_id,
            "stepType": step_type,
            "errorMessage": message,
        }
        if details:
            entry["details"] = details
        if isinstance(item, FileRef):
            entry["file"] = {"name": item.name, "path": str(item.path), "size": item.size}
        else:
            entry["record"] = item
        self._handle.write(self._redactor.redact(jsonio.dumps(entry)) + "\n")
        self.count += 1

    def append_from(self, other: Path) -> int:
        """Append the entries of another error file (a partition's, redacted there); returns how many."""
        added = 0
        with other.open(encoding="utf-8") as source:
            for line in source:
                if self._handle is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._handle = self.path.open("a", encoding="utf-8")
                self._handle.write(line)
                added += 1
        self.count += added
        return added

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    @property
    def location(self) -> str | None:
        return str(self.path) if self.count else None
