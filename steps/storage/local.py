"""``datasource.read.file`` / ``datasource.write.file``: a local directory as a file store.

They make the engine usable without any remote service, and behave like the SFTP reader and writer: the
reader selects files by a regex over the name and sorts them; the writer lands each file atomically
(temporary name, then rename), so a consumer polling the directory never sees half a file.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from dataflow.component import FileStep, Reader
from dataflow.errors import FatalError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext


class ReadFiles(Reader):
    """Emit the files of a local directory whose names match ``fileNameRegex``, sorted by name or time."""

    type: ClassVar[str] = "datasource.read.file"
    produces: ClassVar[Any] = "files"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._directory = Path(params["path"]).expanduser()
        self._pattern = re.compile(params.get("fileNameRegex") or ".*")
        self._sort_by = params.get("sortBy", "time")
        self._descending = str(params.get("sortOrder", "ASC")).upper() == "DESC"

    def partitions(self) -> list[str] | None:
        """One partition per file, in the order a single read takes them."""
        found = self._matching()
        return [entry.name for entry in found] if len(found) > 1 else None

    def read(self) -> Iterator[list[FileRef]]:
        if self.partition is not None:
            entry = self._directory / self.partition
            if not entry.is_file():
                raise FatalError(f"{entry} disappeared after the job listed it")
            yield [FileRef.of(entry)]
            return
        found = self._matching()
        self.context.info(f"{len(found)} file(s) in {self._directory} match {self._pattern.pattern!r}")
        for entry in found:
            yield [FileRef.of(entry)]

    def _matching(self) -> list[Path]:
        if not self._directory.is_dir():
            raise FatalError(f"directory not found: {self._directory}")
        found = [
            entry for entry in self._directory.iterdir() if entry.is_file() and self._pattern.fullmatch(entry.name)
        ]
        if self._sort_by == "name":
            found.sort(key=lambda entry: entry.name, reverse=self._descending)
        else:
            found.sort(key=lambda entry: (entry.stat().st_mtime, entry.name), reverse=self._descending)
        return found


class WriteFiles(FileStep):
    """Copy each incoming file into a local directory under its name; pass the written file on."""

    type: ClassVar[str] = "datasource.write.file"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._directory = Path(params["path"]).expanduser()
        self._create = bool(params.get("createDirectory", True))

    def open(self) -> None:
        if self._create:
            self._directory.mkdir(parents=True, exist_ok=True)
        elif not self._directory.is_dir():
            raise FatalError(f"directory not found: {self._directory}")

    def process_file(self, file: FileRef) -> FileRef:
        target = self._directory / Path(file.name).name  # never outside the directory
        temporary = target.with_name(f".{target.name}.{self.context.job.job_id[:8]}.part")
        shutil.copyfile(file.path, temporary)
        os.replace(temporary, target)
        self.context.info(f"wrote {target} ({file.size:,} bytes)")
        return FileRef.of(target, file.name)
