"""``file.compress.lzo`` / ``file.uncompress.lzo`` against the ``lzop`` tool, on the same CSV, in the same run.

Why: the compress step has two compressors: the ``lzop`` program (``compressor: auto`` picks it when it is
installed) and the lzop container written in-process on lzokay's LZO1X-999 (``compressor: builtin``; wheels, no
system library). The baselines are ``lzop -3`` (its default, LZO1X-1) run by hand, the fast end, and ``lzop -9``
(LZO1X-999), the compressor of the same kind as lzokay's; the ratio column is each compressor's speed against
its own baseline. The uncompress step always reads in-process. Every output is unpacked and compared. Run from
the repository root::

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
        runs = {}
        for compressor in ("lzop", "builtin"):
            step = build_component("file.compress.lzo", {"compressor": compressor}, work / f"c-{compressor}")
            started = time.perf_counter()
            [packed], _ = drive(step, [[FileRef.of(source)]])
            runs[compressor] = (time.perf_counter() - started, packed)
        unpacker = build_component("file.uncompress.lzo", {}, work / "u")
        started = time.perf_counter()
        [plain], _ = drive(unpacker, [[runs["builtin"][1]]])
        ours_d = time.perf_counter() - started
        assert plain.path.read_bytes() == source.read_bytes()
        baselines = {}
        for level in ("-3", "-9"):
            target = work / f"lzop{level}.lzo"
            seconds = _timed([lzop, level, "-f", "-o", str(target), str(source)])
            unpacked = work / f"lzop{level}.csv"
            seconds_d = _timed([lzop, "-d", "-f", "-o", str(unpacked), str(target)])
            assert unpacked.read_bytes() == source.read_bytes()
            baselines[level] = (seconds, target.stat().st_size, seconds_d)
        fast, fast_file = runs["lzop"]
        slow, slow_file = runs["builtin"]
        back = work / "check-lzop.csv"
        subprocess.run([lzop, "-d", "-f", "-o", str(back), str(fast_file.path)], check=True, capture_output=True)
        assert back.read_bytes() == source.read_bytes()
        rows = [
            ("compress.lzo, lzop program", fast, fast_file.size, None, baselines["-3"][0]),
            ("compress.lzo, builtin", slow, slow_file.size, ours_d, baselines["-9"][0]),
            ("lzop -3 (by hand)", *baselines["-3"], None),
            ("lzop -9 (by hand)", *baselines["-9"], None),
        ]
        print(f"{size:.0f} MiB CSV; MiB/s of input, the compressed size, and ours / the lzop run of the same method")
        print(f"{'':28} {'compress':>9} {'size':>6} {'ratio':>6} {'uncompress':>11}")
        for name, seconds, packed_size, seconds_d, baseline in rows:
            ratio = f"{baseline / seconds:6.2f}" if baseline else f"{'':6}"
            unpack = f"{size / seconds_d:11.1f}" if seconds_d else f"{'-':>11}"
            print(f"{name:28} {size / seconds:9.1f} {packed_size / MB / size:6.2f} {ratio} {unpack}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
