"""Shared by the file-to-file step tests: an input file, one run of a step, what it left in its work dir."""

from __future__ import annotations

from pathlib import Path

from dataflow.files import FileRef
from dataflow.testing import build_component, drive


def make(tmp_path: Path, name: str, data: bytes) -> FileRef:
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return FileRef.of(path)


def run(tmp_path: Path, type_name: str, files: list[FileRef], **params):
    component = build_component(type_name, params, tmp_path / "work")
    emitted, rejected = drive(component, [files])
    assert component.counters.reconciles(), component.counters
    return emitted, rejected, component


def left_in_work(tmp_path: Path) -> list[str]:
    return sorted(path.name for path in (tmp_path / "work").rglob("*") if path.is_file())
