"""Files a step emitted against the expected ones: names in order, text as a unified diff, binary by hash."""

from __future__ import annotations

import difflib
import hashlib
from typing import Any

from dataflow.flowtest.model import Expectation, LineOf

MAX_DIFF_LINES = 50


def file_entry(name: str, content: bytes) -> dict[str, Any]:
    """How a file is written as an expectation: its text, or for a binary file its name only."""
    text = as_text(content)
    return {"name": name, "content": text} if text is not None else {"name": name}


def as_text(content: bytes) -> str | None:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def files_diff(expectation: Expectation, actual: list[tuple[str, bytes]], line_of: LineOf) -> list[str]:
    expected = expectation.files or []
    where = (*expectation.path, "files")
    lines: list[str] = []
    for index, (want, (name, content)) in enumerate(zip(expected, actual, strict=False)):
        label = f"  file {index + 1} (line {line_of((*where, index))})"
        if want["name"] != name:
            lines.append(f"{label}: expected name {want['name']!r}, got {name!r}")
        if "sha256" in want and hashlib.sha256(content).hexdigest() != want["sha256"]:
            lines.append(f"{label} {name!r}: sha256 differs (got {hashlib.sha256(content).hexdigest()})")
        if "content" in want:
            text = as_text(content)
            if text is None:
                lines.append(f"{label} {name!r}: expected text, got {len(content)} bytes of binary data")
            elif text != want["content"]:
                lines.append(f"{label} {name!r}: content differs")
                lines.extend(f"    {line}" for line in text_diff(want["content"], text))
    if len(expected) != len(actual):
        lines.append(f"  expected {len(expected)} file(s), got {len(actual)}")
        lines.extend(f"  missing file {want['name']!r}" for want in expected[len(actual) :])
        lines.extend(f"  unexpected file {name!r}" for name, _ in actual[len(expected) :])
    return lines


def text_diff(expected: str, actual: str, limit: int = MAX_DIFF_LINES) -> list[str]:
    diff = difflib.unified_diff(
        expected.splitlines(keepends=True), actual.splitlines(keepends=True), "expected", "got", n=1
    )
    lines = [_visible(line) for line in diff]
    if len(lines) > limit:
        return [*lines[:limit], f"... and {len(lines) - limit} more diff lines"]
    return lines


def _visible(line: str) -> str:
    """A diff line without its line break; a line whose only change is its ending shows it."""
    body = line.rstrip("\n")
    if body.endswith("\r"):
        return body[:-1] + "\\r"
    return body if line.endswith("\n") else body + "  (no newline at end)"
