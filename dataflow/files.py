"""Files that flow between steps: a handle to bytes the job produced or fetched."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file in the job's work directory (or a source directory a reader found it in).

    ``name`` is the name the file travels under (what a writer uploads it as); ``path`` is where its bytes are.
    Handles are immutable, so fan-out hands the same handle to every branch: a step that changes a file
    (compress, encrypt) writes a new one.
    """

    name: str
    path: Path
    size: int

    @classmethod
    def of(cls, path: Path, name: str | None = None) -> FileRef:
        return cls(name=name or path.name, path=path, size=path.stat().st_size)
