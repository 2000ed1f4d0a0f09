"""Hostile input: scripts and expressions that try to hang, exhaust or escape the engine.

record.evaluate (JavaScript in QuickJS) gets infinite loops, deep recursion, memory bombs, and every way of
reaching the outside a script might try (require, import, fetch, XMLHttpRequest, the std/os modules, process,
Deno, WebAssembly). field.evaluate (JEXL compiled to Python) gets the ways into Python internals (__class__,
__globals__, getattr, __import__, eval), Java reflection, and growth: huge exponents and products, texts
multiplied, a field replaced by itself. Authors' regexes (field.replace, and JEXL's ``=~``, ``matches``,
``replaceAll``, ``split``) get catastrophic backtracking, which Python's ``re`` could not interrupt.

Each payload runs in a job of three records where only the middle one triggers it. What must hold: the payload is
refused with a clear reason — at validation (a FILE:LINE finding), or as that record's failure down the error
path with the reason — or it evaluates to a plain value (null for a name that is no field); the other two
records go through; the job succeeds and its counters reconcile; nothing reached the network or the disk.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from dataflow import javaregex
from dataflow.validation import validate_text
from tests.helpers import COLLECTED, registry, run_flow
from tests.reliability.figures import check, declare
from tests.reliability.services import Witness, reconcile

SUITE = "hostile input: scripts and expressions"
CANARY = "/tmp/dataflow-hostile-canary"  # a file a script must not be able to create

JS: dict[str, str] = {
    "infinite loop": "while (true) {}",
    "infinite for": "for (;;) { Math.random(); }",
    "unbounded recursion": "function f(n) { return f(n + 1) + 1; } f(0);",
    "memory bomb (array)": "var a = []; while (true) { a.push(new Array(100000).fill('x')); }",
    "memory bomb (string doubling)": "var s = 'x'; while (true) { s = s + s; }",
    "require('fs')": "require('fs').writeFileSync(CANARY, 'x');",
    "import('os')": "import('os').then(function (os) { os.exec(['touch', CANARY]); });",
    "std module": "std.open(CANARY, 'w').puts('x');",
    "os module": "os.exec(['touch', CANARY]);",
    "fetch": "fetch(URL);",
    "XMLHttpRequest": "var x = new XMLHttpRequest(); x.open('GET', URL); x.send();",
    "process.env": "record.env = JSON.stringify(process.env);",
    "Deno": "Deno.writeTextFileSync(CANARY, 'x');",
    "WebAssembly": "WebAssembly.compile(new Uint8Array([0, 97, 115, 109]));",
    "eval of a loop": "eval('while (true) {}');",
    "Function constructor": "(new Function('return this'))().std.open(CANARY, 'w');",
    "globalThis tour": "record.globals = Object.getOwnPropertyNames(globalThis).filter(function (n) { "
    "return /^(std|os|require|fetch|Deno|XMLHttpRequest|scriptArgs|print)$/.test(n); }).join(',') "
    "+ (typeof process === 'object' ? 'process' : ''); if (record.globals) throw new Error('found ' + record.globals);",
    "Atomics.wait": "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);",
    "prototype pollution of Object": "Object.prototype.polluted = 'yes';",
}
JEXL: dict[str, str] = {
    "__class__ on a map": "m.__class__",
    "__class__ by index": "m['__class__']",
    "__globals__": "m.__globals__",
    "__class__.__mro__ chain": "name.__class__.__mro__",
    "getattr()": "getattr(m, '__class__')",
    "__import__()": "__import__('os')",
    "eval()": "eval('1')",
    "exec()": "exec('1')",
    "Java getClass()": "name.getClass()",
    "Java reflection by new": "new('java.lang.Runtime')",
    "__builtins__": "__builtins__",
    "dunder method by name": "name.__len__()",
    "format string": "name.format(m)",
    "map methods of Python": "m.items()",
    "power operator": "n ** 99999999",
    "huge product": "99999999999999999999999 * 99999999999999999999999 * 99999999999999999999999",
    "float overflow": "1e308 * 1e308",
    "text times a number": "name * 100000000",
    "field replaced by itself": "long.replace('a', long)",
    "replaceAll by itself": "long.replaceAll('a', long)",
    "concat chain": "long.replace('a', 'aa').replace('a', 'aa').replace('a', long)",
    "assignment": "m.x = 1",
    "statements": "var x = 1; x",
}
JS_CASE = declare(
    SUITE,
    "record.evaluate payloads",
    len(JS),
    "payloads",
    "the record fails with the reason (or passes with plain values), the others pass, the job succeeds, "
    "nothing reached the network or the disk",
)
JEXL_CASE = declare(
    SUITE,
    "field.evaluate (JEXL) payloads",
    len(JEXL),
    "payloads",
    "a FILE:LINE finding, or the record fails with the reason, or a plain value; the others pass; the job succeeds",
)
EVIL_VALUE = "a" * 40 + "!"  # with an overlapping repetition, about 10^8 ways to fail per starting point
REGEXES: dict[str, dict[str, Any]] = {
    "field.replace (a|aa)+$": {
        "type": "field.replace",
        "params": {"fields": [{"field": "evil", "regex": "(a|aa)+$", "replacement": "x"}]},
    },
    "field.replace ^(a|a)*$": {
        "type": "field.replace",
        "params": {"fields": [{"field": "evil", "regex": "^(a|a)*$", "replacement": "x"}]},
    },
    "JEXL =~ (\\w|\\w\\w)+$": {"expression": "evil =~ '(\\\\w|\\\\w\\\\w)+$'"},
    "JEXL matches()": {"expression": "evil.matches('(a|aa)+$')"},
    "JEXL replaceAll() lazy": {"expression": "evil.replaceAll('(?:a|aa)+?$', 'x')"},
    "JEXL split()": {"expression": "evil.split('(a|aa)+$')"},
    "JEXL =~ a pattern from a field": {"expression": "evil =~ pattern"},
}
REGEX_CASE = declare(
    SUITE,
    "catastrophic regexes",
    len(REGEXES),
    "payloads",
    "the record that meets the regex fails with the reason after the time limit; the others pass; the job succeeds",
)


RECORDS = [
    {"n": 1, "name": "ada", "m": {"k": 1}, "long": "a" * 100_000},
    {
        "n": 2,
        "name": "bob",
        "m": {"k": 2},
        "long": "a" * 100_000,
        "hostile": True,
        "evil": EVIL_VALUE,
        "pattern": "(a|aa)+$",
    },
    {"n": 3, "name": "cy", "m": {"k": 3}, "long": "a" * 100_000},
]


def _flow(step: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "hostile",
        "steps": [
            {"id": "source", "type": "test.source", "params": {"records": RECORDS, "batchSize": 3}, "next": ["x"]},
            {**step, "id": "x", "next": ["ok"], "error": ["failed"]},
            {"id": "ok", "type": "test.collect", "params": {"name": "ok"}},
            {"id": "failed", "type": "test.collect", "params": {"name": "failed"}},
        ],
    }


def _outcome(flow: dict[str, Any], tmp: Path) -> tuple[str | None, dict[str, Any] | None]:
    """A finding (the flow was refused at validation) or the job's status."""
    validated = validate_text(json.dumps(flow, indent=2), "flow.json", registry=registry())
    if not validated.ok:
        return "; ".join(d.format() for d in validated.diagnostics), None
    return None, run_flow(flow, tmp)


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (str, int, float, bool))


def _judge(name: str, finding: str | None, status: dict[str, Any] | None) -> str | None:
    if finding is not None:
        return None if "flow.json:" in finding else f"{name}: a finding without FILE:LINE: {finding}"
    assert status is not None
    if status["status"] != "succeeded" or reconcile(status):
        return f"{name}: the job {status['status']}: {status.get('errorMessage')} {reconcile(status)}"
    ok, failed = COLLECTED.get("ok", []), COLLECTED.get("failed", [])
    harmless = [{key: value for key, value in record.items() if key != "result"} for record in ok if record["n"] != 2]
    if harmless != [RECORDS[0], RECORDS[2]]:
        return f"{name}: the harmless records did not both pass unchanged: {[r.get('n') for r in ok]}"
    if failed and not all(record.get("_errorDetails", {}).get("errorMessage") for record in failed):
        return f"{name}: a failure without a reason"
    hostile = [record for record in ok if record["n"] == 2]
    if hostile and not _plain(hostile[0]):
        return f"{name}: the hostile record came out holding {hostile[0]!r:.200}"
    if not hostile and [record["n"] for record in failed] != [2]:
        return f"{name}: the hostile record neither passed nor failed"
    return None


def test_javascript_payloads(tmp_path: Path) -> None:
    witness = Witness()
    failures = []
    try:
        for number, (name, payload) in enumerate(JS.items()):
            body = payload.replace("CANARY", json.dumps(CANARY)).replace("URL", json.dumps(witness.url))
            script = f"function process(record) {{ if (record.hostile) {{ {body} }} return record; }}"
            step = {
                "type": "record.evaluate",
                "params": {
                    "script": base64.b64encode(script.encode()).decode(),
                    "timeLimitMs": 300,
                    "memoryLimitMb": 32,
                },
            }
            problem = _judge(name, *_outcome(_flow(step), tmp_path / f"js{number}"))
            if problem is None and Path(CANARY).exists():
                problem = f"{name}: the script wrote {CANARY}"
            if problem is None and witness.requested:
                problem = f"{name}: the script reached the network"
            if problem is not None:
                failures.append(problem)
            Path(CANARY).unlink(missing_ok=True)
    finally:
        witness.close()
    check(JS_CASE, failures)


def test_jexl_payloads(tmp_path: Path) -> None:
    failures = []
    for number, (name, expression) in enumerate(JEXL.items()):
        step = {
            "type": "field.evaluate",
            "params": {
                "language": "jexl",
                "fields": [{"field": "result", "expression": f"hostile ? ({expression}) : null"}],
            },
        }
        problem = _judge(name, *_outcome(_flow(step), tmp_path / f"jexl{number}"))
        if problem is not None:
            failures.append(problem)
    check(JEXL_CASE, failures)


def test_catastrophic_regexes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(javaregex, "MATCH_TIMEOUT_S", 0.2)  # the shipped 2 s, shortened to keep the suite quick
    failures = []
    for number, (name, payload) in enumerate(REGEXES.items()):
        step = payload
        if "expression" in payload:
            expression = payload["expression"]
            step = {
                "type": "field.evaluate",
                "params": {
                    "language": "jexl",
                    "fields": [{"field": "result", "expression": f"hostile ? ({expression}) : null"}],
                },
            }
        finding, status = _outcome(_flow(step), tmp_path / f"regex{number}")
        problem = _judge(name, finding, status)
        if problem is None and finding is not None:
            problem = f"{name}: refused at validation, but the regex is sound Java: {finding}"
        failed = COLLECTED.get("failed", [])
        if problem is None and not any("gave up after" in r["_errorDetails"]["errorMessage"] for r in failed):
            problem = f"{name}: the record did not fail on the time limit: {[r.get('_errorDetails') for r in failed]}"
        if problem is not None:
            failures.append(problem)
    check(REGEX_CASE, failures)
