"""``file.compress.lzo`` / ``file.uncompress.lzo``: lzop files, as the ``lzop`` tool and Hadoop read and write them.

- ``file.compress.lzo``: each file → ``name.lzo``, streamed block by block (256 KiB at a time); with
  ``createIndexFile`` also ``name.lzo.index``, hadoop-lzo's index of block offsets (8-byte big-endian numbers),
  which Salesforce DMP (Krux) and Hadoop use to split the file. Both files go on, the ``.lzo`` first.
- ``file.uncompress.lzo``: ``name.lzo`` → ``name``; every checksum the file carries is checked, and the size
  cap and the pass-through of plain files work as for gzip and zip (``steps/file/compress.py``).

The container is ``steps/file/lzop.py``; the LZO1X codec is lzokay.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, ClassVar

from dataflow.component import FileStep
from dataflow.errors import RecordError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.file.compress import _remove, _Uncompress
from steps.file.lzop import MAGIC, LzopError, read_blocks, read_header, write_lzop


class CompressLzo(FileStep):
    """Compress each file into ``name.lzo`` (and its ``name.lzo.index`` when asked)."""

    type: ClassVar[str] = "file.compress.lzo"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._index = bool(params.get("createIndexFile", False))

    def process_file(self, file: FileRef) -> list[FileRef]:
        name = f"{file.name}.lzo"
        path = self.context.new_file_path(name)
        mtime = int(file.path.stat().st_mtime)
        with open(file.path, "rb") as source, open(path, "wb") as target:
            starts = write_lzop(source, target, Path(file.name).name, mtime)
        compressed = FileRef.of(path, name)
        self.context.debug(f"lzo-compressed {file.name}: {file.size:,} → {compressed.size:,} bytes")
        if not self._index:
            return [compressed]
        index_path = self.context.new_file_path(f"{name}.index")
        index_path.write_bytes(b"".join(struct.pack(">q", start) for start in starts))
        return [compressed, FileRef.of(index_path, f"{name}.index")]


class UncompressLzo(_Uncompress):
    """Uncompress each ``name.lzo`` into ``name``."""

    type: ClassVar[str] = "file.uncompress.lzo"

    def process_file(self, file: FileRef) -> FileRef:
        with open(file.path, "rb") as probe:
            if probe.read(len(MAGIC)) != MAGIC:
                return self._not_compressed(file, "an lzop file")
        name = file.name[:-4] if file.name.lower().endswith(".lzo") and len(file.name) > 4 else file.name
        path = self.context.new_file_path(name)
        written = 0
        try:
            with open(file.path, "rb") as source, open(path, "wb") as target:
                header = read_header(source)
                for block in read_blocks(source, header.flags):
                    written += len(block)
                    if written > self._limit:
                        _remove(path)
                        raise self._too_large(file)
                    target.write(block)
        except LzopError as problem:
            _remove(path)
            raise RecordError(f"{file.name}: {problem}") from None
        return FileRef.of(path, name)
