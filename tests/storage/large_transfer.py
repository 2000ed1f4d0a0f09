"""Child process of ``test_large_objects``: one file up through a store's writer and back through its reader.

Run in a fresh interpreter so that its peak RSS (``VmHWM``: ``benchmarks/memory.py`` says why not ``ru_maxrss``)
is the transfer's own and nothing the test session allocated before. Prints one JSON line: the peak RSS and the
SHA-256 and size of the file read back.

    python -m tests.storage.large_transfer WRITE_TYPE READ_TYPE PARAMS_JSON SOURCE WORK
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from benchmarks.memory import peak_rss_kib
from dataflow.files import FileRef
from dataflow.testing import build_component, drive, read_all


def sha256_of(path: Path) -> str:
    with path.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


def main(argv: list[str]) -> int:
    write_type, read_type, params_json, source, work = argv
    params = json.loads(params_json)
    source_path = Path(source)
    emitted, rejected = drive(
        build_component(write_type, params, Path(work) / "w"), [[FileRef.of(source_path, source_path.name)]]
    )
    if rejected or len(emitted) != 1:
        print(json.dumps({"error": f"write: emitted {len(emitted)}, rejected {rejected!r:.500}"}))
        return 1
    [back] = read_all(build_component(read_type, params, Path(work) / "r"))
    peak_kib = peak_rss_kib()
    print(json.dumps({"peakRssMiB": peak_kib / 1024, "sha256": sha256_of(back.path), "size": back.size}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
