"""``file.compress.lzo`` / ``file.uncompress.lzo`` against the ``lzop`` tool, on the same CSV, in the same run.

Why: the steps write the lzop container themselves on lzokay's LZO1X codec (wheels, no system library), while
``lzop`` runs the C LZO library. ``lzop -3`` (its default, LZO1X-1) is the fast end, ``lzop -9`` (LZO1X-999) the
compressor of the same kind as lzokay's; every output is unpacked and compared. Run from the repository root::

    .venv/bin/python -m benchmarks.bench_lzo [--mb 32]

Nothing here asserts on time: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from dataflow.files import FileRef
from dataflow.testing import build_component, drive

MB = 1 << 20


def _csv(path: Path, megabytes: int) -> None:
    with path.open("wb") as out:
        row = 0
        while out.tell() < megabytes * MB:
            out.write(
                b"".join(
                    b"u%d,user%d@example.com,Name %d,f,%d,NL\n" % (i, i, i, i % 90) for i in range(row, row + 5000)
                )
            )
            row += 5000


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=32, help="size of the CSV (default 32 MiB)")
    args = parser.parse_args(argv)
    lzop = shutil.which("lzop")
    if lzop is None:
        print("lzop is not installed (apt-get install lzop)")
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-lzo-") as scratch:
        work = Path(scratch)
        source = work / "accounts.csv"
        _csv(source, args.mb)
        size = source.stat().st_size / MB
        compressor = build_component("file.compress.lzo", {}, work / "c")
        started = time.perf_counter()
        [packed], _ = drive(compressor, [[FileRef.of(source)]])
        ours = time.perf_counter() - started
        unpacker = build_component("file.uncompress.lzo", {}, work / "u")
        started = time.perf_counter()
        [plain], _ = drive(unpacker, [[packed]])
        ours_d = time.perf_counter() - started
        assert plain.path.read_bytes() == source.read_bytes()
        rows = [("file.compress.lzo (lzokay)", ours, packed.size, ours_d)]
        for level in ("-3", "-9"):
            target = work / f"lzop{level}.lzo"
            seconds = _timed([lzop, level, "-f", "-o", str(target), str(source)])
            unpacked = work / f"lzop{level}.csv"
            seconds_d = _timed([lzop, "-d", "-f", "-o", str(unpacked), str(target)])
            assert unpacked.read_bytes() == source.read_bytes()
            rows.append((f"lzop {level}", seconds, target.stat().st_size, seconds_d))
        print(f"{size:.0f} MiB CSV; MiB/s of input, and the compressed size")
        print(f"{'':28} {'compress':>9} {'ratio':>6} {'uncompress':>11}")
        for name, seconds, packed_size, seconds_d in rows:
            print(f"{name:28} {size / seconds:9.1f} {packed_size / MB / size:6.2f} {size / seconds_d:11.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
