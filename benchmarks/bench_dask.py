"""The Dask executor: how a job's time falls when its partitions run on more workers.

Why: partitions buy wall time only where the work is CPU in Python (one process uses one core) or waiting on a
service that answers several calls at once. This measures both shapes against the same job in-process, in the
same run:

- **transform**: ``--records`` wide account rows (``benchmarks/accounts.py``) in ``--files`` CSV files →
  ``file.parse.dsv`` → ``record.evaluate`` (JavaScript) → ``field.evaluate`` (three JEXL expressions) →
  ``file.format.dsv`` → ``datasource.write.file``. Modes: ``in-process`` (the plain runner), ``dask-1`` and
  ``dask-2`` (a local Dask cluster of 1 or 2 worker processes; one partition per file). Every mode must write
  the same bytes (SHA-256 compared) or the run stops.
- **read**: every account of a ``dataflow sandbox gigya --accounts N`` process, through a flow holding only
  ``datasource.read.gigya.account`` (full extract, pages of ``--page``). Modes: ``1-reader`` (in-process,
  ``maxConcurrency`` 1) and ``4-readers`` (``maxConcurrency`` 4: four UID-range searches on 4 worker processes).
  The sandbox's own CPU time is read from /proc around each run: the sandbox is Python too, one process, and on
  a small machine it competes with the readers for the same cores.

Cluster start-up and the workers' first imports are not timed (a tiny job warms each cluster first). Run from
the repository root::

    .venv/bin/python -m benchmarks.bench_dask [--only transform|read] [--records 1000000] [--files 8]
                                              [--accounts 1000000] [--page 10000] [--repeat 1] [--json]

Nothing here asserts on time: figures are printed, not enforced.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.accounts import WIDE_COLUMNS, WIDE_VERSION, wide_rows
from benchmarks.bench_gigya import environ_of, sandbox
from benchmarks.bench_pipeline import file_digest

ROOT = Path(__file__).resolve().parent.parent
TRANSFORM_MODES = ("in-process", "dask-1", "dask-2")
READ_MODES = ("1-reader", "4-readers")
SCRIPT = """function process(record, ctx, logger) {
  var email = record['profile.email'] || '';
  var at = email.indexOf('@');
  record.domain = at >= 0 ? email.substring(at + 1).toLowerCase() : '';
  record.fullName = (record['profile.firstName'] + ' ' + record['profile.lastName']).trim();
  var points = parseInt(record['data.points'] || '0', 10);
  record.tier = points > 5000 ? 'gold' : points > 1000 ? 'silver' : 'bronze';
  return record;
}"""
EXPRESSIONS = [
    {"field": "Subscribed", "expression": "data.subscribed eq 'true' ? 'Yes' : 'No'"},
    {"field": "Name", "expression": "fullName.toUpperCase()"},
    {"field": "Adult", "expression": "profile.birthYear != null && profile.birthYear < 2006 ? 'Y' : 'N'"},
]


def rounds(modes: tuple[str, ...], repeat: int) -> Iterator[tuple[int, str]]:
    """(attempt, mode) for every run, the order rotated each round so that no mode always runs first."""
    for attempt in range(repeat):
        shift = attempt % len(modes)
        for mode in modes[shift:] + modes[:shift]:
            yield attempt, mode


# transform ---------------------------------------------------------------------------------------------------
def ensure_files(data_dir: Path, records: int, files: int, seed: int, log: Callable[[str], None]) -> Path:
    """``files`` CSV files holding ``records`` wide rows between them, cached by size, count and seed."""
    directory = data_dir / f"dask-v{WIDE_VERSION}-{records}-{files}-{seed}"
    if (directory / "complete").exists():
        return directory
    log(f"generating {records:,} rows in {files} files under {directory} ...")
    directory.mkdir(parents=True, exist_ok=True)
    rows = wide_rows(records, seed)
    for index in range(files):
        count = records * (index + 1) // files - records * index // files
        with (directory / f"accounts_{index:03d}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(WIDE_COLUMNS)
            writer.writerows(next(rows) for _ in range(count))
    (directory / "complete").touch()
    return directory


def transform_flow(source: Path, out: Path) -> dict[str, Any]:
    from dataflow.scripting import encode_script

    return {
        "name": "bench transform",
        "steps": [
            {
                "id": "files",
                "type": "datasource.read.file",
                "params": {"path": str(source), "fileNameRegex": ".*\\.csv", "sortBy": "name"},
                "next": ["parse"],
            },
            {"id": "parse", "type": "file.parse.dsv", "params": {}, "next": ["js"]},
            {"id": "js", "type": "record.evaluate", "params": {"script": encode_script(SCRIPT)}, "next": ["jexl"]},
            {"id": "jexl", "type": "field.evaluate", "params": {"fields": EXPRESSIONS}, "next": ["dsv"]},
            {"id": "dsv", "type": "file.format.dsv", "params": {"fileName": "out.csv"}, "next": ["write"]},
            {"id": "write", "type": "datasource.write.file", "params": {"path": str(out)}},
        ],
    }


def run_flow(flow: dict[str, Any], work: Path, executor: Any, **options: Any) -> dict[str, Any]:
    from dataflow.runtime.partitioned import make_runner
    from dataflow.runtime.runner import RunOptions
    from dataflow.validation import validate_text

    validated = validate_text(json.dumps(flow), "bench-dask.json")
    if not validated.ok:
        raise SystemExit([d.format() for d in validated.diagnostics])
    run_options = RunOptions(work_root=work, executor=executor, log_level="error", full_extract=True, **options)
    status = make_runner(validated, run_options).run()
    if status["status"] != "succeeded":
        raise SystemExit(f"the job {status['status']}: {status.get('errorMessage')}")
    return status


@contextmanager
def cluster(workers: int) -> Iterator[Any]:
    from dataflow.runtime.dask_executor import DaskExecutor

    with DaskExecutor(workers=workers, processes=True) as executor:
        executor.client  # noqa: B018 - start the workers before anything is timed
        yield executor


def bench_transform(args: argparse.Namespace, work: Path, log: Callable[[str], None]) -> dict[str, Any]:
    source = ensure_files(args.data_dir, args.records, args.files, args.seed, log)
    warm = ensure_files(args.data_dir, 2 * args.files, args.files, args.seed, log)
    seconds: dict[str, list[float]] = {mode: [] for mode in TRANSFORM_MODES}
    engine_cpu: dict[str, list[float]] = {mode: [] for mode in TRANSFORM_MODES}
    digests = set()
    executors = {"in-process": None}
    with cluster(1) as one, cluster(2) as two:
        executors.update({"dask-1": one, "dask-2": two})
        for mode, executor in executors.items():  # workers import the engine and compile the script once
            run_flow(transform_flow(warm, work / f"warm-{mode}"), work / "jobs", executor)
        for attempt, mode in rounds(TRANSFORM_MODES, args.repeat):
            out = work / f"{mode}-{attempt}"
            cpu_before, started = engine_cpu_seconds(), time.perf_counter()
            status = run_flow(transform_flow(source, out), work / "jobs", executors[mode])
            took, cpu = time.perf_counter() - started, engine_cpu_seconds() - cpu_before
            written = status["counters"]["dsv"]["out"]
            if written != args.records:
                raise SystemExit(f"{mode} wrote {written:,} records, expected {args.records:,}")
            digests.add(file_digest(out / "out.csv")[0])
            if len(digests) != 1:
                raise SystemExit(f"{mode} wrote a different out.csv than the modes before it")
            seconds[mode].append(took)
            engine_cpu[mode].append(cpu)
            log(
                f"  {mode:<11} run {attempt + 1}: {took:6.2f}s, {args.records / took:>9,.0f} records/s; "
                f"CPU {cpu:5.1f}s; load {os.getloadavg()[0]:.1f}"
            )
    rate = {mode: args.records / min(times) for mode, times in seconds.items()}
    return {
        "records": args.records,
        "files": args.files,
        "records_per_s": {mode: round(value) for mode, value in rate.items()},
        "ratio_2_vs_1_workers": round(rate["dask-2"] / rate["dask-1"], 3),
        "ratio_2_workers_vs_in_process": round(rate["dask-2"] / rate["in-process"], 3),
        "output_sha256": digests.pop(),
        "seconds": seconds,
        "engine_cpu_seconds": engine_cpu,
    }


# read ----------------------------------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc (the sandbox's share of a run)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def engine_cpu_seconds(besides: int | None = None) -> float:
    """CPU time so far of this process and every process below it (Dask workers), the sandbox (``besides``) not."""
    import psutil

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        if child.pid != besides:
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.NoSuchProcess:
                continue
    return total


def read_flow(page: int, concurrency: int) -> dict[str, Any]:
    params = {"select": "*", "batchSize": page, "maxConcurrency": concurrency}
    return {"name": "bench read", "steps": [{"id": "read", "type": "datasource.read.gigya.account", "params": params}]}


def bench_read(args: argparse.Namespace, work: Path, log: Callable[[str], None]) -> dict[str, Any]:
    seconds: dict[str, list[float]] = {mode: [] for mode in READ_MODES}
    sandbox_cpu: dict[str, list[float]] = {mode: [] for mode in READ_MODES}
    engine_cpu: dict[str, list[float]] = {mode: [] for mode in READ_MODES}
    options = ("--accounts", str(args.accounts), "--seed", str(args.seed), "--latency-ms", str(args.latency_ms))
    with sandbox(*options) as site, cluster(4) as four:
        pid = int(site["pid"])
        environ = environ_of(site)
        executors = {"1-reader": (None, 1), "4-readers": (four, 4)}
        log(f"read: sandbox (pid {pid}) with {args.accounts:,} accounts at {site['url']}")
        for executor, concurrency in executors.values():  # untimed: imports, and the sandbox's first scans
            run_flow(read_flow(args.page, concurrency), work / "jobs", executor, environ=environ)
        for attempt, mode in rounds(READ_MODES, args.repeat):
            executor, concurrency = executors[mode]
            cpu_before, engine_before, started = cpu_seconds(pid), engine_cpu_seconds(pid), time.perf_counter()
            status = run_flow(read_flow(args.page, concurrency), work / "jobs", executor, environ=environ)
            took, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu_before
            engine = engine_cpu_seconds(pid) - engine_before
            read = status["counters"]["read"]["out"]
            if read != args.accounts:
                raise SystemExit(f"{mode} read {read:,} accounts, expected {args.accounts:,}")
            seconds[mode].append(took)
            sandbox_cpu[mode].append(cpu)
            engine_cpu[mode].append(engine)
            log(
                f"  {mode:<10} run {attempt + 1}: {took:6.2f}s, {read / took:>9,.0f} accounts/s; "
                f"CPU: sandbox {cpu:5.1f}s, engine {engine:5.1f}s; load {os.getloadavg()[0]:.1f}"
            )
    rate = {mode: args.accounts / min(times) for mode, times in seconds.items()}
    return {
        "accounts": args.accounts,
        "page": args.page,
        "latency_ms": args.latency_ms,
        "accounts_per_s": {mode: round(value) for mode, value in rate.items()},
        "ratio_4_vs_1_readers": round(rate["4-readers"] / rate["1-reader"], 3),
        "sandbox_cpu_seconds": sandbox_cpu,
        "engine_cpu_seconds": engine_cpu,
        "seconds": seconds,
    }


# report ----------------------------------------------------------------------------------------------------------
def report(results: dict[str, Any]) -> str:
    lines = [f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}"]
    transform = results.get("transform")
    if transform:
        lines.append(f"transform {transform['records']:,} records in {transform['files']} files (JS + 3 JEXL fields):")
        for mode in TRANSFORM_MODES:
            best = transform["seconds"][mode].index(min(transform["seconds"][mode]))
            cpu = transform["engine_cpu_seconds"][mode][best]
            lines.append(f"  {mode:<11} {transform['records_per_s'][mode]:>10,} records/s (CPU {cpu:.1f}s)")
        ratio = transform["ratio_2_vs_1_workers"]
        lines.append(f"ratio 2 workers / 1 worker: {ratio:.2f} (target >= 1.7: {'met' if ratio >= 1.7 else 'missed'})")
        lines.append(f"ratio 2 workers / in-process: {transform['ratio_2_workers_vs_in_process']:.2f}")
    read = results.get("read")
    if read:
        latency = f", {read['latency_ms']:,.0f} ms per call" if read.get("latency_ms") else ""
        lines.append(f"read {read['accounts']:,} Gigya sandbox accounts, pages of {read['page']:,}{latency}:")
        for mode in READ_MODES:
            best = read["seconds"][mode].index(min(read["seconds"][mode]))
            cpu, engine = read["sandbox_cpu_seconds"][mode][best], read["engine_cpu_seconds"][mode][best]
            lines.append(
                f"  {mode:<10} {read['accounts_per_s'][mode]:>10,} accounts/s "
                f"(CPU: sandbox {cpu:.1f}s, engine {engine:.1f}s)"
            )
        ratio = read["ratio_4_vs_1_readers"]
        lines.append(f"ratio 4 readers / 1 reader: {ratio:.2f} (target >= 3: {'met' if ratio >= 3 else 'missed'})")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("transform", "read"))
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--page", type=int, default=10_000)
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="the sandbox answers each call this much later (a search served on Gigya's side takes time; the "
        "default 0 leaves the sandbox's own CPU as the limit)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import tempfile

    args = parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as scratch:
        work = Path(scratch)
        if args.only in (None, "transform"):
            results["transform"] = bench_transform(args, work / "transform", log)
        if args.only in (None, "read"):
            results["read"] = bench_read(args, work / "read", log)
    print(json.dumps(results, indent=2) if args.json else report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
