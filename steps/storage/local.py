"""``datasource.read.file`` / ``datasource.write.file``: a local directory as a file store.

They make the engine usable without any remote service, and behave like the SFTP reader and writer: the
reader selects files by a regex over the name and sorts them; the writer lands each file atomically
(temporary name, then rename), so a consumer polling the directory never sees half a file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from dataflow.component import FileStep, Reader
from dataflow.errors import FatalError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.storage.remote import FileSelection, RemoteFile, remote_name


class ReadFiles(Reader):
    """Emit the files of a local directory whose names match ``fileNameRegex``, sorted by name or time."""

    type: ClassVar[str] = "datasource.read.file"
    produces: ClassVar[Any] = "files"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._directory = Path(params["path"]).expanduser()
        # No delta rule here: the directory is the operator's own, filled by hand or by another tool.
        self._selection = FileSelection.from_params(params, None, delta=False)

    def partitions(self) -> list[RemoteFile] | None:
        """One partition per file, in the order a single read takes them."""
        found = self._found()
        return found if len(found) > 1 else None

    def read(self) -> Iterator[list[FileRef]]:
        for entry in [self.partition] if self.partition is not None else self._found():
            yield [FileRef.of(Path(entry.path))]

    def _found(self) -> list[RemoteFile]:
        if not self._directory.is_dir():
            raise FatalError(f"directory not found: {self._directory}")
        listed = []
        for entry in self._directory.iterdir():
            if entry.is_file():
                stat = entry.stat()
                listed.append(RemoteFile(entry.name, str(entry), stat.st_size, stat.st_mtime))
        found = self._selection.select(listed)
        self.context.info(self._selection.describe(len(found), len(listed), str(self._directory)))
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
        target = self._directory / remote_name(file.name, f"the directory {self._directory}")  # never outside it
        temporary = target.with_name(f".{target.name}.{self.context.job.job_id[:8]}.part")
        try:
            shutil.copyfile(file.path, temporary)
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self.context.info(f"wrote {target} ({file.size:,} bytes)")
        return FileRef.of(target, file.name)
