"""``file.empty``: one empty marker file (``gigya.ok``) at the end of the stream, whatever came in.

IdentitySync's templates put it beside a formatter on the same records (``replace`` → ``json`` and ``empty`` →
``sftp``): the partner polls for the marker and then knows the data files are complete. So it takes records like a
formatter, drops them (counted as ``filtered``: none of them is written anywhere) and emits its file only when
the stream ends, even when no record arrived.

Order: a job finishes its steps in topological order, siblings in the order the flow lists them, and a file a
formatter emits at its finish travels all the way downstream before the next step finishes. List the formatter
before ``file.empty`` (as the templates do) and the marker reaches the writer after the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dataflow.component import Formatter, Record
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext


class EmptyFile(Formatter):
    """Emit one empty file named ``fileName`` when the input ends."""

    type: ClassVar[str] = "file.empty"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._file_name = str(params["fileName"])

    def feed(self, batch: list) -> Iterator[list]:
        self.counters.settle(len(batch), 0, 0)  # records are consumed, none written: filtered
        return iter(())

    def write(self, records: list[Record]) -> list[FileRef]:
        return []

    def join(self, partitions: list[list[dict[str, Any]]]) -> list[FileRef]:
        return self.finish_files()  # one marker for the whole job, whatever the partitions saw

    def finish_files(self) -> list[FileRef]:
        path = self.context.new_file_path(self._file_name)
        path.touch()
        self.context.info(f"wrote the marker file {self._file_name}")
        return [FileRef.of(path, self._file_name)]
