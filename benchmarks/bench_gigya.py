"""Gigya components against the sandbox on loopback: cursor reads vs. a plain ``requests`` loop, and writes
vs. the ideal a given ``maxConnections`` allows.

Why: the reader's cost over the work itself (paging, signing, parsing) should be small, and a writer should keep
``maxConnections`` calls in flight all the time: with a fixed latency per call, ``maxConnections / latency`` is
the most any client can do, so the measured rate as a fraction of it says how well the pool is kept busy.

- **read**: one sandbox (``dataflow sandbox gigya --accounts N --port 0``, its own process) serves every run. The
  engine runs a flow holding only ``datasource.read.gigya.account`` through ``Runner`` (full extract, so every
  account); the baseline is a hand-written loop with ``requests`` and ``orjson`` that signs, posts, parses and
  follows ``nextCursorId`` with the same query. Runs alternate; the best of ``--repeat`` counts.
- **write**: a second sandbox with ``--latency-ms`` added to every call; for each ``maxConnections`` the engine
  runs CSV → ``file.parse.dsv`` → ``datasource.write.gigya.account`` over ``calls-per-connection × maxConnections``
  accounts and reports calls/s and calls/s ÷ (maxConnections / latency).

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_gigya [--accounts 1000000] [--page 10000] [--repeat 1] [--json]
                                               [--latency-ms 20] [--connections 1,10,20] [--calls-per-connection 100]

Nothing here asserts on time: figures are printed, not enforced.
"""

from __future__ import annotations

import argparse
import base64
import gc
import hashlib
import hmac
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import orjson
import requests

ROOT = Path(__file__).resolve().parent.parent
READ_MODES = ("baseline", "baseline-gc-off", "engine", "engine-prefetch")


# the sandbox --------------------------------------------------------------------------------------------
def sandbox_command(*options: str) -> list[str]:
    """``dataflow sandbox gigya …`` through the venv's console script (``python -m`` when it is missing)."""
    script = Path(sys.executable).with_name("dataflow")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "dataflow.cli.main"]
    return [*base, "sandbox", "gigya", "--port", "0", *options]


@contextmanager
def sandbox(*options: str) -> Iterator[dict[str, str]]:
    """A sandbox process for the duration; yields its connection line (url, apiKey, userKey, secret) and its pid."""
    process = subprocess.Popen(sandbox_command(*options), cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"the sandbox did not start (exit {process.wait()})")
        yield {**json.loads(line), "pid": str(process.pid)}
    finally:
        process.terminate()
        process.wait(timeout=30)


def environ_of(site: dict[str, str]) -> dict[str, str]:
    return {
        "GIGYA_API_KEY": site["apiKey"],
        "GIGYA_USER_KEY": site["userKey"],
        "GIGYA_SECRET": site["secret"],
        "GIGYA_BASE_URL": site["url"],
    }


# read: the baseline -------------------------------------------------------------------------------------
def baseline_read(site: dict[str, str], query: str, gc_off: bool = False) -> int:
    """The plainest correct client: sign, POST the form, parse, follow the cursor until it ends.

    With ``gc_off`` it parses each page with the cyclic GC paused, as the engine's client does: a loop written
    by someone who has profiled it. Without, it is the loop most people would write.
    """
    url = f"{site['url']}/accounts.search"
    key = base64.b64decode(site["secret"])
    session = requests.Session()

    def signed(params: dict[str, str]) -> bytes:
        params.update(apiKey=site["apiKey"], userKey=site["userKey"], format="json", httpStatusCodes="false")
        params.update(timestamp=str(int(time.time())), nonce=str(time.time_ns()))
        base = "&".join(f"{k}={quote(v, safe='-._~')}" for k, v in sorted(params.items()))
        text = "POST&" + quote(url, safe="-._~") + "&" + quote(base, safe="-._~")
        params["sig"] = base64.b64encode(hmac.new(key, text.encode(), hashlib.sha1).digest()).decode()
        return urlencode(params).encode()

    params = {"query": query, "openCursor": "true"}
    read = 0
    while True:
        reply = session.post(url, data=signed(params), headers={"Content-Type": "application/x-www-form-urlencoded"})
        if gc_off:
            gc.disable()
        page = orjson.loads(reply.content)
        gc.enable()
        if page["errorCode"]:
            raise SystemExit(f"baseline read failed: {page}")
        read += len(page["results"])
        if "nextCursorId" not in page:
            return read
        params = {"cursorId": page["nextCursorId"]}


# read: the engine ---------------------------------------------------------------------------------------
def engine_read(site: dict[str, str], select: str, page: int, concurrency: int, work: Path) -> tuple[int, str]:
    from dataflow.runtime.runner import Runner, RunOptions
    from dataflow.validation import validate_text

    params = {"select": select, "batchSize": page, "maxConcurrency": concurrency}
    flow = {"name": "bench read", "steps": [{"id": "read", "type": "datasource.read.gigya.account", "params": params}]}
    validated = validate_text(json.dumps(flow), "bench-gigya-read.json")
    options = RunOptions(environ=environ_of(site), full_extract=True, work_root=work, log_level="error")
    status = Runner(validated, options).run()
    if status["status"] != "succeeded":
        raise SystemExit(f"engine read {status['status']}: {status.get('errorMessage')}")
    return status["counters"]["read"]["out"], ""


def warm_up(site: dict[str, str], query: str) -> None:
    """One page, untimed: the sandbox compiles the query and lists its accounts before anyone is measured."""
    from steps.gigya.client import GigyaClient
    from steps.gigya.settings import resolve

    client = GigyaClient(resolve({}, environ_of(site)))
    next(client.search("accounts.search", query))
    client.close()


def query_of(select: str, page: int) -> str:
    """The query the reader sends on a full extract (the baseline sends the same text)."""
    from steps.gigya import query

    return query.build(query.render_select(query.parse_select(select)), "accounts", [], limit=page)


def bench_read(args: argparse.Namespace, work: Path, log: Callable[[str], None]) -> dict[str, Any]:
    results: dict[str, list[float]] = {mode: [] for mode in READ_MODES}
    text = query_of(args.select, args.page)
    with sandbox("--accounts", str(args.accounts), "--seed", str(args.seed)) as site:
        log(f"read: sandbox with {args.accounts:,} accounts at {site['url']}; query: {text}")
        warm_up(site, text)
        for attempt in range(args.repeat):
            shift = attempt % len(READ_MODES)  # rotate the order, so no mode always runs first
            for mode in READ_MODES[shift:] + READ_MODES[:shift]:
                started = time.perf_counter()
                if mode.startswith("baseline"):
                    read = baseline_read(site, text, gc_off=mode == "baseline-gc-off")
                else:
                    concurrency = 2 if mode == "engine-prefetch" else 1
                    read, _ = engine_read(site, args.select, args.page, concurrency, work / f"{mode}-{attempt}")
                seconds = time.perf_counter() - started
                if read != args.accounts:
                    raise SystemExit(f"{mode} read {read:,} accounts, expected {args.accounts:,}")
                results[mode].append(seconds)
                log(f"  {mode:<16} run {attempt + 1}: {seconds:6.2f}s, {read / seconds:>9,.0f} accounts/s")
    best = {mode: args.accounts / min(times) for mode, times in results.items()}
    return {
        "accounts": args.accounts,
        "page": args.page,
        "select": args.select,
        "accounts_per_s": {mode: round(rate) for mode, rate in best.items()},
        "ratio_engine": round(best["engine"] / best["baseline"], 3),
        "ratio_engine_prefetch": round(best["engine-prefetch"] / best["baseline"], 3),
        "ratio_engine_vs_gc_off": round(best["engine"] / best["baseline-gc-off"], 3),
        "ratio_engine_prefetch_vs_gc_off": round(best["engine-prefetch"] / best["baseline-gc-off"], 3),
        "seconds": results,
    }


# write ----------------------------------------------------------------------------------------------------
def engine_write(site: dict[str, str], uids: list[str], connections: int, work: Path) -> float:
    from dataflow.runtime.runner import Runner, RunOptions
    from dataflow.validation import validate_text

    incoming = work / "incoming"
    incoming.mkdir(parents=True)
    rows = "".join(f"{uid},bench\n" for uid in uids)
    (incoming / "updates.csv").write_text("UID,data.benchRun\n" + rows, encoding="utf-8")
    flow = {
        "name": "bench write",
        "steps": [
            {"id": "files", "type": "datasource.read.file", "params": {"path": str(incoming)}, "next": ["parse"]},
            {"id": "parse", "type": "file.parse.dsv", "params": {}, "next": ["write"]},
            {"id": "write", "type": "datasource.write.gigya.account", "params": {"maxConnections": connections}},
        ],
    }
    validated = validate_text(json.dumps(flow), "bench-gigya-write.json")
    options = RunOptions(environ=environ_of(site), full_extract=True, work_root=work / "jobs", log_level="error")
    started = time.perf_counter()
    status = Runner(validated, options).run()
    seconds = time.perf_counter() - started
    counts = status["counters"].get("write", {})
    if status["status"] != "succeeded" or counts.get("out") != len(uids):
        raise SystemExit(f"engine write {status['status']}: {status.get('errorMessage')} {counts}")
    return seconds


def bench_write(args: argparse.Namespace, work: Path, log: Callable[[str], None]) -> dict[str, Any]:
    connections = [int(part) for part in args.connections.split(",")]
    needed = max(connections) * args.calls_per_connection
    options = ("--accounts", str(needed), "--seed", str(args.seed), "--latency-ms", str(args.latency_ms))
    rows = []
    with sandbox(*options) as site:
        log(f"write: sandbox with {args.latency_ms:g} ms latency per call at {site['url']}")
        uids = probe_uids(site, needed)
        for count in connections:
            calls = count * args.calls_per_connection
            best = min(
                engine_write(site, uids[:calls], count, work / f"write-{count}-{attempt}")
                for attempt in range(args.repeat)
            )
            rate = calls / best
            ideal = count / (args.latency_ms / 1000)
            row = {"maxConnections": count, "calls": calls, "calls_per_s": round(rate, 1)}
            row.update(ideal_calls_per_s=round(ideal, 1), fraction_of_ideal=round(rate / ideal, 3))
            rows.append(row)
            log(f"  maxConnections {count:>3}: {calls:>5} calls, {rate:8.1f} calls/s = {rate / ideal:.2f} of ideal")
    return {"latency_ms": args.latency_ms, "runs": rows}


def probe_uids(site: dict[str, str], count: int) -> list[str]:
    """The sandbox's UIDs, read once through the engine's own client (not timed)."""
    from steps.gigya.client import GigyaClient
    from steps.gigya.settings import resolve

    client = GigyaClient(resolve({}, environ_of(site)))
    uids = [r["UID"] for page in client.search("accounts.search", query_of("UID", 10_000)) for r in page["results"]]
    client.close()
    return uids[:count]


# report ---------------------------------------------------------------------------------------------------
def report(results: dict[str, Any]) -> str:
    lines = []
    read = results.get("read")
    if read:
        rates = read["accounts_per_s"]
        lines.append(f"read {read['accounts']:,} accounts, pages of {read['page']:,} (select {read['select']}):")
        for mode in READ_MODES:
            lines.append(f"  {mode:<16} {rates[mode]:>10,} accounts/s")
        lines.append(
            f"ratio engine/baseline: {read['ratio_engine']:.2f} (prefetching: {read['ratio_engine_prefetch']:.2f}); "
            f"vs the GC-off baseline: {read['ratio_engine_vs_gc_off']:.2f} "
            f"(prefetching: {read['ratio_engine_prefetch_vs_gc_off']:.2f})"
        )
    write = results.get("write")
    if write:
        lines.append(f"write accounts.setAccountInfo with {write['latency_ms']:g} ms latency per call:")
        for row in write["runs"]:
            lines.append(
                f"  maxConnections {row['maxConnections']:>3}: {row['calls_per_s']:>8,.1f} calls/s "
                f"(ideal {row['ideal_calls_per_s']:,.0f}) = {row['fraction_of_ideal']:.2f} of ideal"
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_gigya", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--accounts", type=int, default=1_000_000, help="accounts to read (default 1000000)")
    parser.add_argument("--page", type=int, default=10_000, help="cursor page size (default 10000, the maximum)")
    parser.add_argument("--select", default="*", help="fields to read (default *)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode; the best counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", type=float, default=20.0, help="latency added to every write call")
    parser.add_argument("--connections", default="1,10,20", help="maxConnections values to write with")
    parser.add_argument("--calls-per-connection", type=int, default=100, help="write calls per connection")
    parser.add_argument("--only", choices=("read", "write"), help="run one half only")
    parser.add_argument("--json", action="store_true", help="print results as JSON (progress to stderr)")
    args = parser.parse_args(argv)
    if min(args.accounts, args.page, args.repeat, args.calls_per_connection) < 1 or args.latency_ms <= 0:
        parser.error("sizes, --repeat and --latency-ms must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stream = sys.stderr if args.json else sys.stdout

    def log(message: str) -> None:
        print(message, file=stream, flush=True)

    work = Path(tempfile.mkdtemp(prefix="bench-gigya-"))
    results: dict[str, Any] = {}
    try:
        if args.only in (None, "read"):
            results["read"] = bench_read(args, work, log)
        if args.only in (None, "write"):
            results["write"] = bench_write(args, work, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2) if args.json else report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
