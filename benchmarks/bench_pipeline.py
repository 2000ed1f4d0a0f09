"""Engine vs. hand-written loop on the sample flow's shape: CSV → rename → remove → CSV, at two sizes.

Why: the engine's per-record overhead (batching, counters, routing, file steps) should cost a fraction of
what the work itself costs, and its memory must not grow with the job. So the same work is done twice,
once by the engine and once by the plainest Python loop over the same libraries (``csv`` and dicts), and
the two are compared for records/s and peak RSS. Each measurement runs in a fresh interpreter so that
its peak RSS (``VmHWM``, see ``benchmarks/memory.py``) belongs to that run alone.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_pipeline [--records 1000000] [--small 100000] [--repeat 1]
                                                  [--keep-data DIR] [--data-dir DIR] [--json]

Input files are generated once per size and seed and cached in ``benchmarks/data/`` (git-ignored).
Nothing here asserts on time: the two targets are printed, not enforced.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks.accounts import WIDE_COLUMNS, WIDE_VERSION, write_wide_csv
from benchmarks.memory import peak_rss_kib

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = ROOT / "benchmarks" / "data"
OUTPUT_NAME = "accounts-silverpop.csv"
MODES = ("engine", "baseline")
TARGET_RATIO = 0.6  # engine records/s at the large size, relative to the baseline
TARGET_RSS_GROWTH = 10.0  # percent: engine peak RSS at the large size vs. the small one

# The sample flow's renames; every other column is either kept as is or removed.
RENAMES = [
    ("UID", "GigyaUid"),
    ("profile.email", "EMAIL"),
    ("profile.firstName", "FIRST_NAME"),
    ("profile.lastName", "LAST_NAME"),
    ("profile.country", "COUNTRY"),
    ("data.subscribed", "Subscribed"),
]
KEPT = ["profile.city", "profile.zip", "profile.address", "data.loyaltyTier"]  # the address needs quoting
_RENAMED = {source for source, _ in RENAMES}
REMOVES = [column for column in WIDE_COLUMNS if column not in _RENAMED and column not in KEPT]


# data ---------------------------------------------------------------------------------------------------
def data_file(data_dir: Path, records: int, seed: int) -> Path:
    """The cached input for ``records`` rows; the name carries everything that changes its content."""
    return data_dir / f"accounts-wide-v{WIDE_VERSION}-s{seed}-{records}.csv"


def ensure_data(data_dir: Path, records: int, seed: int, log: Callable[[str], None]) -> Path:
    """Generate the input once (atomically, so an interrupted run never leaves a short file in the cache)."""
    path = data_file(data_dir, records, seed)
    if path.exists():
        how = "cached"
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.part")
        started = time.perf_counter()
        write_wide_csv(partial, records, seed)
        os.replace(partial, path)
        how = f"generated in {time.perf_counter() - started:.1f}s"
    size = path.stat().st_size
    log(
        f"input {label(records)}: {path} ({how}), {size / 1024 / 1024:.1f} MiB, "
        f"{size / max(records, 1):.0f} bytes/row on average"
    )
    return path


# the engine ---------------------------------------------------------------------------------------------
def flow_document(input_path: Path, output_dir: Path) -> dict[str, Any]:
    """The sample flow's shape, reading exactly one cached file and writing to ``output_dir``."""
    return {
        "name": "Benchmark: wide accounts export to Silverpop CSV",
        "description": "file > parse.dsv > rename > remove > format.dsv > file",
        "steps": [
            {
                "id": "files",
                "type": "datasource.read.file",
                "params": {
                    "path": str(input_path.parent),
                    "fileNameRegex": re.escape(input_path.name),
                    "sortBy": "name",
                },
                "next": ["parse"],
            },
            {"id": "parse", "type": "file.parse.dsv", "params": {"columnSeparator": ","}, "next": ["rename"]},
            {
                "id": "rename",
                "type": "field.rename",
                "params": {"fields": [{"sourceField": s, "targetField": t} for s, t in RENAMES]},
                "next": ["remove"],
            },
            {"id": "remove", "type": "field.remove", "params": {"fields": REMOVES}, "next": ["dsv"]},
            {
                "id": "dsv",
                "type": "file.format.dsv",
                "params": {"fileName": OUTPUT_NAME, "columnSeparator": ","},
                "next": ["output"],
            },
            {"id": "output", "type": "datasource.write.file", "params": {"path": str(output_dir)}},
        ],
    }


def run_engine(input_path: Path, records: int, work: Path) -> dict[str, Any]:
    """Validate the flow (not timed: it is per job, not per record), then time ``Runner.run``."""
    from dataflow.runtime.runner import Runner, RunOptions
    from dataflow.validation import validate_text

    output_dir = work / "engine-out"
    started = time.perf_counter()
    validated = validate_text(json.dumps(flow_document(input_path, output_dir)), "bench-pipeline.json")
    validate_seconds = time.perf_counter() - started
    if not validated.ok:
        raise SystemExit("the benchmark flow is invalid:\n" + "\n".join(map(str, validated.diagnostics)))
    started = time.perf_counter()
    status = Runner(validated, RunOptions(work_root=work / "jobs")).run()
    seconds = time.perf_counter() - started
    if status["status"] != "succeeded":
        problem = f"{status.get('errorMessage')}\n{status.get('errorDetails')}"
        raise SystemExit(f"engine run {status['status']}: {problem}")
    check_counters(status["counters"], records)
    return {"seconds": seconds, "validate_seconds": validate_seconds, "output": output_dir / OUTPUT_NAME}


def check_counters(counters: dict[str, dict[str, int]], records: int) -> None:
    """Every step reconciles, and every record got through every record step: none failed, none vanished."""
    problems = []
    for step, count in counters.items():
        if count["in"] + count["added"] != count["out"] + count["errors"] + count["filtered"]:
            problems.append(f"{step} does not reconcile: {count}")
    for step in ("parse", "rename", "remove", "dsv"):
        if (counters[step]["in"], counters[step]["out"], counters[step]["errors"]) != (records, records, 0):
            problems.append(f"{step}: expected {records} in and out, no errors, got {counters[step]}")
    for step in ("files", "dsv", "output"):
        if counters[step]["filesOut"] != 1:
            problems.append(f"{step}: expected 1 file out, got {counters[step]}")
    if problems:
        raise SystemExit("engine counters are off:\n" + "\n".join(problems))


# the baseline -------------------------------------------------------------------------------------------
def run_baseline(input_path: Path, records: int, work: Path) -> dict[str, Any]:
    """The same work as the flow, written by hand with the same libraries; the yardstick for the engine.

    Like the engine it parses each row into a dict keyed by the header, renames (pop, then set: the renamed
    column moves to the end), deletes the removed columns, writes the header in order of first appearance,
    writes to a scratch file and copies that into the output directory. It does no batching, counting,
    routing or type checks: that is the overhead being measured.
    """
    scratch = work / "baseline-scratch" / OUTPUT_NAME
    output_dir = work / "baseline-out"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    renames, removes = RENAMES, REMOVES
    started = time.perf_counter()
    with (
        open(input_path, encoding="utf-8-sig", newline="") as source,
        open(scratch, "w", encoding="utf-8", newline="") as target,
    ):
        rows = csv.reader(source)
        header = next(rows)

        def transformed() -> Iterator[dict[str, str]]:
            for row in rows:
                record = dict(zip(header, row))  # noqa: B905 - as plain as a hand-written loop gets
                for old, new in renames:
                    record[new] = record.pop(old)
                for key in removes:
                    del record[key]
                yield record

        writer = csv.writer(target, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        records_ = transformed()
        first = next(records_, None)
        if first is not None:
            writer.writerow(list(first))
            writer.writerow(first.values())
            writer.writerows(record.values() for record in records_)
    output_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(scratch, output_dir / OUTPUT_NAME)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "output": output_dir / OUTPUT_NAME}


# one measurement (the child process) --------------------------------------------------------------------
def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and the number of rows after the header (no value holds a newline, so lines are rows)."""
    digest, newlines = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            newlines += chunk.count(b"\n")
    return digest.hexdigest(), newlines - 1


def child(mode: str, input_path: Path, records: int, work: Path) -> dict[str, Any]:
    """One measurement; the output is hashed and counted after the clock and the peak RSS are read."""
    runner = run_engine if mode == "engine" else run_baseline
    result = runner(input_path, records, work)
    peak_kib = peak_rss_kib()
    sha256, rows = file_digest(result.pop("output"))
    if rows != records:
        raise SystemExit(f"{mode} wrote {rows} rows, expected {records}")
    seconds = result.pop("seconds")
    return {
        "mode": mode,
        "records": records,
        "seconds": round(seconds, 4),
        "records_per_s": round(records / seconds, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "sha256": sha256,
        **{key: round(value, 4) for key, value in result.items()},
    }


def measure(mode: str, input_path: Path, records: int, work: Path) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter: its peak RSS is then this run's alone."""
    command = [
        sys.executable, "-m", "benchmarks.bench_pipeline", "--child", mode,
        "--records", str(records), "--input", str(input_path), "--work", str(work),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} at {label(records)} failed (exit {done.returncode}); see its stderr above")
    return json.loads(done.stdout.strip().splitlines()[-1])


# the comparison (the parent process) --------------------------------------------------------------------
def label(records: int) -> str:
    """1000000 → 1M, 100000 → 100k, 2000 → 2k: the sizes as the target lines name them."""
    for unit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if records >= unit:
            return f"{records / unit:g}{suffix}"
    return str(records)


def compare(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    sizes = sorted({args.small, args.records})
    inputs = {size: ensure_data(args.data_dir, size, args.seed, log) for size in sizes}
    keep = args.keep_data is not None
    base = Path(args.keep_data) if keep else Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    base.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"sizes": {}, "repeat": args.repeat, "seed": args.seed}
    try:
        for size in sizes:
            runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
            for attempt in range(args.repeat):
                for mode in MODES:  # alternate, so that drift in the machine's speed hits both alike
                    work = base / f"{label(size)}-{mode}-{attempt + 1}"
                    shutil.rmtree(work, ignore_errors=True)
                    work.mkdir(parents=True)
                    run = measure(mode, inputs[size], size, work)
                    log(
                        f"  {label(size):>6} {mode:<8} run {attempt + 1}: {run['seconds']:.2f}s, "
                        f"{run['records_per_s']:,.0f} rec/s, peak RSS {run['peak_rss_mib']:.1f} MiB"
                    )
                    runs[mode].append(run)
                    if not keep:
                        shutil.rmtree(work, ignore_errors=True)
            digests = {run["sha256"] for mode in MODES for run in runs[mode]}
            if len(digests) != 1:
                raise SystemExit(f"engine and baseline outputs differ at {label(size)}: {sorted(digests)}")
            best = {mode: min(runs[mode], key=lambda run: run["seconds"]) for mode in MODES}
            results["sizes"][str(size)] = {
                "records": size,
                **{
                    mode: {
                        "seconds": best[mode]["seconds"],
                        "records_per_s": best[mode]["records_per_s"],
                        # the largest of the repeats: memory is judged by its worst case
                        "peak_rss_mib": max(run["peak_rss_mib"] for run in runs[mode]),
                        "runs": runs[mode],
                    }
                    for mode in MODES
                },
                "ratio": round(best["engine"]["records_per_s"] / best["baseline"]["records_per_s"], 3),
                "output_sha256": digests.pop(),
            }
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
    small, large = (results["sizes"][str(size)] for size in (sizes[0], sizes[-1]))
    results["targets"] = {
        "large": label(sizes[-1]),
        "small": label(sizes[0]),
        "ratio": large["ratio"],
        "ratio_target": TARGET_RATIO,
        "engine_rss_growth_percent": round(
            (large["engine"]["peak_rss_mib"] / small["engine"]["peak_rss_mib"] - 1) * 100, 1
        ),
        "rss_growth_target_percent": TARGET_RSS_GROWTH,
    }
    return results


def report(results: dict[str, Any]) -> str:
    lines = [
        f"{'size':>8} {'engine rec/s':>14} {'baseline rec/s':>15} {'engine/baseline':>16} "
        f"{'engine RSS MiB':>15} {'baseline RSS MiB':>17}"
    ]
    for entry in results["sizes"].values():
        engine, baseline = entry["engine"], entry["baseline"]
        lines.append(
            f"{label(entry['records']):>8} {engine['records_per_s']:>14,.0f} "
            f"{baseline['records_per_s']:>15,.0f} {entry['ratio']:>16.2f} "
            f"{engine['peak_rss_mib']:>15.1f} {baseline['peak_rss_mib']:>17.1f}"
        )
    targets = results["targets"]
    ratio = f"{targets['ratio']:.2f} (target >= {TARGET_RATIO})"
    lines.append(f"ratio engine/baseline at {targets['large']}: {ratio}")
    lines.append(
        f"engine peak RSS {targets['large']} vs {targets['small']}: "
        f"{targets['engine_rss_growth_percent']:+.1f}% (target within {TARGET_RSS_GROWTH:g}%)"
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_pipeline", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--records", type=int, default=1_000_000, help="the large size (default 1000000)")
    parser.add_argument("--small", type=int, default=100_000, help="the small size (default 100000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode and size; the best time counts")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated input (default 7)")
    parser.add_argument(
        "--keep-data", metavar="DIR", help="keep runs' work and output files in DIR (default: a temp dir)"
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="cache of generated inputs")
    parser.add_argument("--json", action="store_true", help="print results as JSON (progress to stderr)")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.records, args.small) < 1 or args.repeat < 1:
        parser.error("--records, --small and --repeat must be at least 1")
    return args


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        input_path = args.input or ensure_data(args.data_dir, args.records, args.seed, _to_stderr)
        if args.work is not None:
            print(json.dumps(child(args.child, input_path, args.records, args.work)), flush=True)
            return 0
        with tempfile.TemporaryDirectory(prefix=f"bench-{args.child}-") as work:  # run by hand, e.g. to profile
            print(json.dumps(child(args.child, input_path, args.records, Path(work))), flush=True)
        return 0
    stream = sys.stderr if args.json else sys.stdout

    def log(message: str) -> None:
        print(message, file=stream, flush=True)

    results = compare(args, log)
    print(json.dumps(results, indent=2) if args.json else report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
