"""``record.evaluate`` throughput, and how much of it is the Python ↔ JavaScript crossing.

Why: a per-record script step is only worth its sandbox if it does not dominate a job's cost, and the
crossing (JSON in, call, JSON out) is what the design can change, so it is measured apart from the script's
own work. Everything runs in one interpreter, in the same run, on the same records:

- **python**: a hand-written loop doing the script's work (``record["seen"] = "yes"``) on copies of the
  records: the cost of the work itself;
- **engine**: the ``record.evaluate`` component (built as a job builds it, fed 1000-record batches as the
  runner does) with the trivial script ``record.seen = 'yes'; return record;``;
- **identity**: the same component with ``return record;``: all of the crossing, none of the work;
- **one per call**: the trivial script with chunking switched off (one record per JavaScript call);
- the crossing split further: orjson encode + decode of the same chunks in Python alone, and
  ``JSON.stringify(JSON.parse(s))`` of the same chunk strings inside the sandbox (one call per chunk).

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_record_evaluate [--records 100000] [--repeat 3] [--json]

Nothing is asserted on time: this is a benchmark, not a test. Times are the best of ``--repeat`` rounds; the
modes alternate within a round.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dataflow import jsonio
from dataflow.scripting import Sandbox, encode_script
from dataflow.scripting import records as script_records
from dataflow.testing import build_component

TRIVIAL = "function process(record, ctx, logger, next, error) { record.seen = 'yes'; return record; }"
IDENTITY = "function process(record, ctx, logger, next, error) { return record; }"
BATCH = 1000  # the runner's default batch size


def make_records(count: int) -> list[dict[str, Any]]:
    """About 6 short string fields, as a CSV of accounts gives them."""
    return [
        {
            "UID": f"uid-{n:08d}",
            "email": f"user{n}@example.com",
            "firstName": "Ann",
            "lastName": f"Lee{n % 97}",
            "country": ("FR", "US", "DE")[n % 3],
            "zip": f"{10000 + n % 89999}",
        }
        for n in range(count)
    ]


def batches(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [records[start : start + BATCH] for start in range(0, len(records), BATCH)]


def timed(run: Callable[[], int]) -> float:
    """Wall time of one run; ``run`` returns how many records it produced, checked for sanity."""
    started = time.perf_counter()
    produced = run()
    elapsed = time.perf_counter() - started
    if produced <= 0:
        raise SystemExit("a benchmark run produced nothing")
    return elapsed


def python_loop(records: list[dict[str, Any]]) -> int:
    out = []
    append = out.append
    for record in records:
        record = dict(record)  # the engine leaves its input untouched too
        record["seen"] = "yes"
        append(record)
    return len(out)


def component_run(source: str, chunks: list[list[dict[str, Any]]], work: Path) -> int:
    component = build_component("record.evaluate", {"script": encode_script(source)}, work)
    produced = 0
    for batch in chunks:
        for output in component.feed(batch):
            produced += len(output)
    component.close()
    return produced


def one_per_call(source: str, chunks: list[list[dict[str, Any]]], work: Path) -> int:
    saved = script_records.MAX_CHUNK, script_records.FIRST_CHUNK
    script_records.MAX_CHUNK = script_records.FIRST_CHUNK = 1
    try:
        return component_run(source, chunks, work)
    finally:
        script_records.MAX_CHUNK, script_records.FIRST_CHUNK = saved


def python_json(chunks: list[list[dict[str, Any]]]) -> int:
    return sum(len(jsonio.loads(jsonio.dumps(batch))) for batch in chunks)


def js_json(texts: list[str]) -> int:
    sandbox = Sandbox(10_000, 256)
    roundtrip = sandbox.eval("(function (s) { return JSON.stringify(JSON.parse(s)); })")
    return sum(len(sandbox.call(roundtrip, text)) > 0 for text in texts) * BATCH


def measure(count: int, repeat: int) -> dict[str, Any]:
    records = make_records(count)
    chunks = batches(records)
    texts = [jsonio.dumps(batch) for batch in chunks]
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        steps: dict[str, Callable[[], int]] = {
            "python": lambda: python_loop(records),
            "engine": lambda: component_run(TRIVIAL, chunks, work / "engine"),
            "identity": lambda: component_run(IDENTITY, chunks, work / "identity"),
            "one per call": lambda: one_per_call(TRIVIAL, chunks, work / "single"),
            "python json": lambda: python_json(chunks),
            "js json": lambda: js_json(texts),
        }
        # modes alternate within each round, so a drift in machine speed affects them alike; best round wins
        for round_number in range(1, repeat + 1):
            print(f"  round {round_number}/{repeat} …", file=sys.stderr)
            for name, run in steps.items():
                seconds[name] = min(seconds.get(name, float("inf")), timed(run))
    return {"records": count, "repeat": repeat, "seconds": seconds}


def report(result: dict[str, Any]) -> str:
    count, seconds = result["records"], result["seconds"]
    rate = {name: count / value for name, value in seconds.items()}
    micro = {name: value / count * 1e6 for name, value in seconds.items()}
    crossing = seconds["identity"]
    work = max(seconds["engine"] - crossing, 0.0)
    wrapper = max(crossing - seconds["python json"] - seconds["js json"], 0.0)
    lines = [
        f"record.evaluate, {count:,} records of 6 fields, best of {result['repeat']}",
        "",
        f"{'path':<44}{'rec/s':>12}{'µs/rec':>9}",
        f"{'python loop (baseline)':<44}{rate['python']:>12,.0f}{micro['python']:>9.2f}",
        f"{'record.evaluate, trivial script':<44}{rate['engine']:>12,.0f}{micro['engine']:>9.2f}",
        f"{'record.evaluate, empty process (identity)':<44}{rate['identity']:>12,.0f}{micro['identity']:>9.2f}",
        f"{'record.evaluate, one record per call':<44}{rate['one per call']:>12,.0f}{micro['one per call']:>9.2f}",
        "",
        f"ratio engine/python: {rate['engine'] / rate['python']:.3f}"
        f"  (python is {rate['python'] / rate['engine']:.1f}x faster)",
        f"ratio chunked/one-per-call: {rate['engine'] / rate['one per call']:.2f}",
        f"share of the engine's time spent crossing: {crossing / seconds['engine']:.0%}",
        "",
        "where a record's time goes (µs):",
        f"  python: orjson encode + decode        {micro['python json']:6.2f}",
        f"  js: JSON.parse + JSON.stringify       {micro['js json']:6.2f}  (strings passed in and out, 1 call/chunk)",
        f"  wrapper loop, counters, component     {wrapper / count * 1e6:6.2f}",
        f"  the script's own work                 {work / count * 1e6:6.2f}",
        "",
        "method: 'crossing' is the identity run (process returns its record): JSON both ways, the call and the",
        "wrapper, with no work; the script's own work is the trivial run minus the identity run. The JSON",
        "rows time the same chunks alone, in Python and inside the sandbox; the wrapper row is what is left",
        "of the crossing. Chunks hold up to 1000 records per call; each record still fails on its own.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the raw timings as JSON")
    options = parser.parse_args(argv)
    result = measure(options.records, options.repeat)
    print(json.dumps(result, indent=2) if options.json else report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
