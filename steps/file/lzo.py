"""``file.compress.lzo`` / ``file.uncompress.lzo``: lzop files, as the ``lzop`` tool and Hadoop read and write them.

- ``file.compress.lzo``: each file → ``name.lzo``, in 256 KiB blocks; with ``createIndexFile`` also
  ``name.lzo.index``, hadoop-lzo's index of block offsets (8-byte big-endian numbers), which Salesforce DMP
  (Krux) and Hadoop use to split the file. Both files go on, the ``.lzo`` first. Who compresses is
  ``compressor``: the ``lzop`` program (LZO1X-1 at its default level, about 100 times faster than the built-in
  compressor) when it is installed, else lzokay's LZO1X-999 in-process. lzokay has no fast compressor, and the
  fast LZO bindings on PyPI need liblzo2 and a compiler at install time, so the program is the fast path.
- ``file.uncompress.lzo``: ``name.lzo`` → ``name``; every checksum the file carries is checked, and the size
  cap and the pass-through of plain files work as for gzip and zip (``steps/file/compress.py``).

The container is ``steps/file/lzop.py``; the LZO1X codec is lzokay.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any, ClassVar

from dataflow.component import FileStep
from dataflow.errors import FatalError, RecordError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.file.compress import _remove, _Uncompress
from steps.file.lzop import MAGIC, LzopError, block_starts, read_blocks, read_header, write_lzop

LZOP_LEVEL = "-3"  # lzop's default: LZO1X-1, its fast method


class CompressLzo(FileStep):
    """Compress each file into ``name.lzo`` (and its ``name.lzo.index`` when asked)."""

    type: ClassVar[str] = "file.compress.lzo"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._index = bool(params.get("createIndexFile", False))
        self._choice = params.get("compressor", "auto")
        self._lzop = shutil.which("lzop") if self._choice in ("auto", "lzop") else None

    def open(self) -> None:
        if self._choice == "lzop" and self._lzop is None:
            raise FatalError("param 'compressor' is lzop, but the lzop program is not on PATH (apt-get install lzop)")
        how = f"the lzop program ({self._lzop}, LZO1X-1)" if self._lzop else "the built-in compressor (LZO1X-999)"
        self.context.info(f"compressing with {how}")

    def process_file(self, file: FileRef) -> list[FileRef]:
        name = f"{file.name}.lzo"
        path = self.context.new_file_path(name)
        if self._lzop:
            starts = self._run_lzop(file, path)
        else:
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

    def _run_lzop(self, file: FileRef, path: Path) -> list[int]:
        """``lzop -c`` into ``path``; the block offsets are read back from what it wrote."""
        assert self._lzop is not None
        named = file.path.name == Path(file.name).name  # lzop stores the name of the path it is given
        command = [self._lzop, "-c", "-q", LZOP_LEVEL] + (["--", str(file.path)] if named else [])
        with open(file.path, "rb") as source, open(path, "wb") as target:
            done = subprocess.run(command, stdin=source, stdout=target, stderr=subprocess.PIPE, check=False)
        if done.returncode not in (0, 2):  # 2: a warning, the file is written
            path.unlink(missing_ok=True)
            problem = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
            raise RecordError(f"{file.name}: lzop failed: {problem}")
        with open(path, "rb") as written:
            return block_starts(written)


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
