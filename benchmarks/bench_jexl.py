"""Compiled JEXL vs. a hand-written Python lambda, and ``field.evaluate`` through ``process_batch``.

Why: every record of a Silverpop export goes through ``Subscribed eq 'true' ? 'Yes' : 'No'``, so the
compiled closures must cost about what the obvious Python costs, not what an interpreter walking a syntax
tree would. The same records are evaluated by both in the same run (alternating, best of ``--repeat``),
so machine speed affects both alike. A few other template expressions are timed for information.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_jexl [--evaluations 1000000] [--repeat 3] [--json]

Nothing here asserts on time: the target (>= 1,000,000 evaluations/s) is printed, not enforced.
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

from dataflow.expressions import compile_expression
from dataflow.testing import build_component

EXPRESSION = "Subscribed eq 'true' ? 'Yes' : 'No'"
TARGET = 1_000_000  # evaluations/s for the compiled expression
POOL = 1000  # distinct records, cycled; also the batch size for process_batch
OTHERS = [
    ("data_subscribed eq 'unsubscribed' ? 'false' : 'true'", {"data": {"subscribed": "unsubscribed"}}),
    ("data.subscribed eq 'Yes' ? 'true' : 'false'", {"data.subscribed": "Yes"}),
    ("G_H__pc eq '' || G_H__pc eq null ? '#N/A' : G_H__pc", {"G_H__pc": "12.4"}),
    ("email =~ '.*@example\\\\.com' ? email.toLowerCase() : 'n/a'", {"email": "A@example.com"}),
]


def baseline(record: dict[str, Any]) -> str:
    return "Yes" if record.get("Subscribed") == "true" else "No"


def silverpop_records() -> list[dict[str, Any]]:
    return [
        {"GigyaUid": f"u{i}", "EMAIL": f"user{i}@example.com", "Subscribed": "true" if i % 2 == 0 else "false"}
        for i in range(POOL)
    ]


def time_calls(function: Callable[[dict[str, Any]], Any], records: list[dict[str, Any]], evaluations: int) -> float:
    """Seconds for ``evaluations`` calls, cycling through ``records`` (the loop is the same for every contender)."""
    rounds, rest = divmod(evaluations, len(records))
    started = time.perf_counter()
    for _ in range(rounds):
        for record in records:
            function(record)
    for record in records[:rest]:
        function(record)
    return time.perf_counter() - started


def time_component(evaluations: int, work: Path) -> float:
    """Seconds spent inside ``process_batch`` for ``evaluations`` records, in batches of ``POOL``."""
    params = {"language": "jexl", "fields": [{"field": "Subscribed", "expression": EXPRESSION}]}
    component = build_component("field.evaluate", params, work)
    batch = silverpop_records()
    originals = [record["Subscribed"] for record in batch]
    spent = 0.0
    for _ in range(max(1, evaluations // POOL)):
        started = time.perf_counter()
        component.process_batch(batch)
        spent += time.perf_counter() - started
        for record, original in zip(batch, originals, strict=True):  # untimed: the next batch arrives fresh
            record["Subscribed"] = original
    component.close()
    return spent


def measure(evaluations: int, repeat: int) -> dict[str, Any]:
    records = silverpop_records()
    compiled = compile_expression(EXPRESSION).evaluate
    assert [compiled(r) for r in records[:4]] == [baseline(r) for r in records[:4]] == ["Yes", "No", "Yes", "No"]
    best: dict[str, float] = {"compiled": float("inf"), "baseline": float("inf"), "component": float("inf")}
    with tempfile.TemporaryDirectory(prefix="bench-jexl-") as work:
        for _ in range(repeat):
            best["compiled"] = min(best["compiled"], time_calls(compiled, records, evaluations))
            best["baseline"] = min(best["baseline"], time_calls(baseline, records, evaluations))
            best["component"] = min(best["component"], time_component(evaluations, Path(work) / "job"))
    batches = max(1, evaluations // POOL)
    others = {}
    for text, record in OTHERS:
        seconds = min(time_calls(compile_expression(text).evaluate, [record], evaluations // 4) for _ in range(repeat))
        others[text] = evaluations // 4 / seconds
    rates = {
        "compiled": evaluations / best["compiled"],
        "baseline": evaluations / best["baseline"],
        "component": batches * POOL / best["component"],
    }
    return {
        "expression": EXPRESSION,
        "evaluations": evaluations,
        "repeat": repeat,
        "python": sys.version.split()[0],
        "rates": rates,
        "ratio": rates["compiled"] / rates["baseline"],
        "target": TARGET,
        "others": others,
    }


def report(results: dict[str, Any]) -> str:
    rates = results["rates"]
    met = "met" if rates["compiled"] >= results["target"] else "NOT met"
    lines = [
        f"expression: {results['expression']}",
        f"{results['evaluations']:,} evaluations, best of {results['repeat']}, Python {results['python']}",
        f"  compiled JEXL                        {rates['compiled']:>13,.0f} evals/s",
        f"  hand-written lambda (baseline)       {rates['baseline']:>13,.0f} evals/s",
        f"  ratio compiled/baseline              {results['ratio']:>13.2f}",
        f"  field.evaluate process_batch (x{POOL}) {rates['component']:>13,.0f} records/s",
        f"target >= {results['target']:,} evals/s for the compiled expression: {met}",
        "other template-like expressions (compiled, evals/s):",
    ]
    lines += [f"  {rate:>13,.0f}  {text}" for text, rate in results["others"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evaluations", type=int, default=1_000_000, help="evaluations per timed run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender; the best counts")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    results = measure(max(POOL, args.evaluations), max(1, args.repeat))
    print(json.dumps(results, indent=2) if args.json else report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
