"""What running a chunk of records produced: records to pass on, failures with their reasons, log lines.

Kept apart from ``records.py`` so that the wording of every failure reason lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dataflow.scripting.errors import ScriptOutOfMemory


@dataclass
class Failure:
    """A record (``None`` for the end-of-stream call) that goes down the error path, and why."""

    record: Any
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """Everything one ``RecordScript.run`` produced, in input order."""

    emitted: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)  # (level, text) from logger.*
    dropped_logs: int = 0  # logger lines over the budget
    notices: list[str] = field(default_factory=list)  # what the sandbox did on its own (context re-created)


def failure_reason(kind: str, message: str, line: int | None = None, memory_limit_mb: int = 0) -> str:
    if kind == "oom":
        return ScriptOutOfMemory(memory_limit_mb).message
    if kind == "json":
        return f"script error: the record it produced cannot be turned into JSON: {message}"
    return f"script error: {message}" + (f" (line {line})" if line else "")


def script_rejection(record: Any) -> Failure:
    """``error.accept(newRecord, original)``: the reason comes from ``newRecord._errorDetails`` when given."""
    details: dict[str, Any] = {}
    reason = "rejected by the script"
    given = record.get("_errorDetails") if isinstance(record, dict) else None
    if isinstance(given, dict):
        message = given.get("errorMessage")
        if isinstance(message, str) and message:
            reason = message
        details = {key: value for key, value in given.items() if key not in ("errorMessage", "stepId")}
    return Failure(record, reason, details)
