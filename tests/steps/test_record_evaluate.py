"""``record.evaluate``: IdentitySync's per-record JavaScript semantics, real-world scripts, and containment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dataflow.component import Component
from dataflow.scripting import encode_script
from dataflow.testing import build_component, drive
from steps.record.evaluate import LOG_LINES, Evaluate
from tests.helpers import COLLECTED, assert_reconciled, run_flow, step, validate_flow


def _step(tmp_path: Path, source: str, **params: Any) -> Component:
    return build_component("record.evaluate", {"script": encode_script(source), **params}, tmp_path / "work")


def _run(tmp_path: Path, source: str, batches: list[list[dict]], **params: Any) -> tuple[Component, list, list]:
    component = _step(tmp_path, source, **params)
    emitted, rejected = drive(component, batches)
    assert component.counters.reconciles(), component.counters
    return component, emitted, rejected


def _trace(component: Component) -> list[str]:
    return component.context.job.trace.snapshot()


# the contract of process() ------------------------------------------------------------------------------
def test_return_passes_null_drops_array_emits_several(tmp_path: Path) -> None:
    source = """
    function process(record, ctx, logger, next, error) {
      if (record.drop) return null;
      if (record.skip) return undefined;
      if (record.split) return [{id: record.id, part: 1}, {id: record.id, part: 2}];
      record.seen = 'yes';
      return record;
    }
    """
    records = [{"id": 1}, {"id": 2, "drop": True}, {"id": 3, "skip": True}, {"id": 4, "split": True}]
    component, emitted, rejected = _run(tmp_path, source, [records])
    assert emitted == [{"id": 1, "seen": "yes"}, {"id": 4, "part": 1}, {"id": 4, "part": 2}]
    assert rejected == []
    counts = component.counters.as_dict()
    assert counts == {"in": 4, "out": 3, "errors": 0, "filtered": 1, "added": 0}


def test_next_accept_emits_extra_records_before_the_returned_one(tmp_path: Path) -> None:
    source = "function process(r, ctx, logger, next) { next.accept({copy: r.id}); next.accept(null); return r; }"
    component, emitted, _ = _run(tmp_path, source, [[{"id": 1}, {"id": 2}]])
    assert emitted == [{"copy": 1}, {"id": 1}, {"copy": 2}, {"id": 2}]
    assert component.counters.as_dict()["added"] == 2


def test_error_accept_routes_with_the_scripts_reason(tmp_path: Path) -> None:
    source = """
    function process(record, ctx, logger, next, error) {
      if (!record.email) {
        var failed = JSON.parse(JSON.stringify(record));
        failed._errorDetails = {errorMessage: 'missing email', errorCode: 400006};
        error.accept(failed, record);
        return null;
      }
      if (record.plain) { error.accept(null, record); return null; }
      return record;
    }
    """
    component, emitted, rejected = _run(
        tmp_path, source, [[{"id": 1, "email": "a@x.com"}, {"id": 2}, {"id": 3, "plain": 1, "email": "b"}]]
    )
    assert emitted == [{"id": 1, "email": "a@x.com"}]
    (first, reason1, details1), (second, reason2, details2) = rejected
    assert first["id"] == 2 and reason1 == "missing email" and details1 == {"errorCode": 400006}
    assert second == {"id": 3, "plain": 1, "email": "b"} and reason2 == "rejected by the script" and details2 == {}
    assert component.counters.as_dict() == {"in": 3, "out": 1, "errors": 2, "filtered": 0, "added": 0}


def test_logger_writes_to_the_trace(tmp_path: Path) -> None:
    source = (
        "function process(r, ctx, logger) {"
        " logger.info('saw', {id: r.id}); logger.warn('careful'); logger.error('bad ' + r.id); return r; }"
    )
    component, _, _ = _run(tmp_path, source, [[{"id": 7}]])
    lines = _trace(component)
    assert any(line.endswith('INFO [step] script: saw {"id":7}') for line in lines), lines
    assert any(line.endswith("WARN [step] script: careful") for line in lines), lines
    assert any(line.endswith("ERROR [step] script: bad 7") for line in lines), lines


def test_a_chatty_script_cannot_flood_the_trace(tmp_path: Path) -> None:
    source = "function process(r, ctx, logger) { logger.info('line ' + r.n); return r; }"
    records = [{"n": n} for n in range(LOG_LINES * 3)]
    component, emitted, _ = _run(tmp_path, source, [records[:50], records[50:]])
    assert len(emitted) == LOG_LINES * 3
    script_lines = [line for line in _trace(component) if "script: line" in line]
    assert len(script_lines) == LOG_LINES
    notices = [line for line in _trace(component) if "script logger:" in line]
    assert len(notices) == 2 and f"{LOG_LINES * 2} more line(s)" in notices[1]


def test_ctx_persists_across_calls_and_batches(tmp_path: Path) -> None:
    source = "function process(r, ctx) { ctx.n = (ctx.n || 0) + 1; r.n = ctx.n; return r; }"
    _, emitted, _ = _run(tmp_path, source, [[{}, {}], [{}], [{}, {}]])
    assert [r["n"] for r in emitted] == [1, 2, 3, 4, 5]


def test_notify_last_record_calls_process_with_null_at_the_end(tmp_path: Path) -> None:
    source = """
    function process(record, ctx, logger, next) {
      if (record === null) {
        next.accept({summary: 'countries', countries: ctx.countries});
        return {summary: 'count', count: ctx.count};
      }
      ctx.count = (ctx.count || 0) + 1;
      ctx.countries = ctx.countries || {};
      ctx.countries[record.country] = (ctx.countries[record.country] || 0) + 1;
      return null;
    }
    """
    records = [{"country": "FR"}, {"country": "US"}, {"country": "FR"}]
    component, emitted, _ = _run(tmp_path, source, [records[:2], records[2:]], notifyLastRecord=True)
    assert emitted == [
        {"summary": "countries", "countries": {"FR": 2, "US": 1}},
        {"summary": "count", "count": 3},
    ]
    assert component.counters.as_dict() == {"in": 3, "out": 2, "errors": 0, "filtered": 3, "added": 2}


def test_without_notify_last_record_there_is_no_null_call(tmp_path: Path) -> None:
    source = "function process(r) { if (r === null) return {unexpected: true}; return r; }"
    _, emitted, _ = _run(tmp_path, source, [[{"id": 1}]])
    assert emitted == [{"id": 1}]


def test_a_failing_last_call_goes_down_the_error_path(tmp_path: Path) -> None:
    source = "function process(r) { return {id: r.id}; }"  # forgets that r is null at the end
    component, emitted, rejected = _run(tmp_path, source, [[{"id": 1}]], notifyLastRecord=True)
    assert emitted == [{"id": 1}]
    assert rejected == [
        ({}, "script error: TypeError: cannot read property 'id' of null (line 1)", {"lastRecord": True})
    ]
    assert component.counters.as_dict() == {"in": 1, "out": 1, "errors": 1, "filtered": 0, "added": 1}


ES5_SCRIPT = """
function process(record, ctx, logger, next, error) {
  var names = [];
  for (var key in record) { if (record.hasOwnProperty(key)) names.push(key); }
  record.fields = names.sort().join(',');
  record.upper = (record.name || '').toUpperCase();
  return record;
}
"""

ES2020_SCRIPT = """
const process = (record, ctx, logger, next, error) => {
  const { name = 'anonymous', ...rest } = record;
  let city = record.address?.city ?? 'unknown';
  const tags = [...(record.tags ?? []), 'seen'];
  return { ...rest, greeting: `hello ${name}`, city, tags };
};
"""


@pytest.mark.parametrize(("version", "source"), [("5.1", ES5_SCRIPT), ("12", ES2020_SCRIPT)])
def test_es51_and_es2020_scripts_both_run(tmp_path: Path, version: str, source: str) -> None:
    _, emitted, rejected = _run(
        tmp_path, source, [[{"name": "ann", "tags": ["a"]}, {"address": {"city": "Paris"}}]], ECMAScriptVersion=version
    )
    assert rejected == []
    if version == "5.1":
        assert emitted[0]["fields"] == "name,tags" and emitted[0]["upper"] == "ANN"
    else:
        assert emitted == [
            {"tags": ["a", "seen"], "greeting": "hello ann", "city": "unknown"},
            {"address": {"city": "Paris"}, "tags": ["seen"], "greeting": "hello anonymous", "city": "Paris"},
        ]


# failures: the record goes to the error path, the step goes on --------------------------------------------
def test_a_throw_a_loop_and_a_bomb_each_fail_only_their_record(tmp_path: Path) -> None:
    source = """
    function process(record) {
      if (record.n === 1) return record.missing.field;
      if (record.n === 3) while (true) {}
      if (record.n === 5) { let a = []; while (true) a.push(new Array(1000).fill(1)); }
      record.ok = true;
      return record;
    }
    """
    records = [{"n": n} for n in range(8)]
    component, emitted, rejected = _run(tmp_path, source, [records], timeLimitMs=200, memoryLimitMb=16)
    assert [r["n"] for r in emitted] == [0, 2, 4, 6, 7]
    assert [(r["n"], reason) for r, reason, _ in rejected] == [
        (1, "script error: TypeError: cannot read property 'field' of undefined (line 3)"),
        (3, "script exceeded its time limit of 200 ms"),
        (5, "script ran out of memory (16 MB)"),
    ]
    assert component.counters.as_dict() == {"in": 8, "out": 5, "errors": 3, "filtered": 0, "added": 0}


def test_param_checks_name_the_script(tmp_path: Path) -> None:
    def problems(script: str) -> list[str]:
        return [
            f"{p.path}: {p.message}"
            for p in Evaluate.check_params({"script": script, "timeLimitMs": 200, "memoryLimitMb": 16})
        ]

    assert problems(encode_script("function process(r) { return r; }")) == []
    (not_base64,) = problems("function process(r) { return r; }")
    assert not_base64.startswith("('script',): the script is not valid Base64")
    assert problems(encode_script("function process(r) {\n  return r.;\n}")) == [
        "('script',): the script does not compile: SyntaxError: expecting field name (line 2, column 12)"
    ]
    assert problems(encode_script("function proces(r) { return r; }")) == [
        "('script',): the script does not define function process(record, ctx, logger, next, error)"
    ]


def test_a_bad_script_fails_validation_with_a_diagnostic_on_the_param(tmp_path: Path) -> None:
    flow = {
        "name": "bad",
        "steps": [
            step("src", "test.source", {"records": []}, next=["js"]),
            step("js", "record.evaluate", {"script": encode_script("function process(r) {\n  return r +;\n}")}),
        ],
    }
    validated = validate_flow(flow)
    assert not validated.ok
    messages = [d.format() for d in validated.diagnostics]
    assert any(
        "step 'js' (record.evaluate)" in m and "SyntaxError" in m and "line 2" in m and "/params/script" in m
        for m in messages
    ), messages


def test_script_is_a_raw_param() -> None:
    assert "script" in Evaluate.raw_params


# the issue's real-world style script set (IdentitySync toolkit shapes, written in ES2020) -----------------
REBUILD_NESTED = """
// Flat CSV headers such as profile.education.0.degree become nested objects and arrays.
const setPath = (target, path, value) => {
  const keys = path.split('.');
  let node = target;
  keys.forEach((key, i) => {
    const last = i === keys.length - 1;
    const nextIsIndex = !last && /^\\d+$/.test(keys[i + 1]);
    const slot = /^\\d+$/.test(key) ? Number(key) : key;
    if (last) { node[slot] = value; return; }
    node[slot] ??= nextIsIndex ? [] : {};
    node = node[slot];
  });
  return target;
};
const process = (record, ctx, logger, next, error) =>
  Object.entries(record).reduce((nested, [key, value]) => setPath(nested, key, value), {});
"""

SPLIT_LOGIN_IDS = """
const splitList = (text) => (text ?? '').split(',').map((part) => part.trim()).filter(Boolean);
function process(record, ctx, logger, next, error) {
  const { 'loginIDs.emails': emails, 'loginIDs.unverifiedEmails': unverified, ...rest } = record;
  return { ...rest, loginIDs: { emails: splitList(emails), unverifiedEmails: splitList(unverified) } };
}
"""

RENEST_SUBSCRIPTIONS = """
// subscriptions.<id>.isSubscribed (flat) -> subscriptions.<id>.email.isSubscribed (Gigya's shape)
const process = (record) => {
  const subscriptions = {};
  const out = {};
  for (const [key, value] of Object.entries(record)) {
    const match = /^subscriptions\\.([^.]+)\\.(.+)$/.exec(key);
    if (!match) { out[key] = value; continue; }
    const [, id, field] = match;
    const typed = value === 'true' ? true : value === 'false' ? false : value;
    subscriptions[id] = { email: { ...subscriptions[id]?.email, [field]: typed } };
  }
  return Object.keys(subscriptions).length ? { ...out, subscriptions } : out;
};
"""

MOVE_TO_CONTEXT = """
// Import bookkeeping fields move out of the account into a context object; ctx counts the sources.
const CONTEXT_FIELDS = ['regSource', 'importBatch', 'lang'];
function process(record, ctx, logger) {
  const context = {};
  for (const name of CONTEXT_FIELDS) {
    if (record[name] !== undefined) { context[name] = record[name]; delete record[name]; }
  }
  const source = context.regSource ?? 'none';
  ctx.sources = { ...ctx.sources, [source]: (ctx.sources?.[source] ?? 0) + 1 };
  return { ...record, context };
}
"""


def test_real_world_rebuild_nested_from_flat_csv_keys(tmp_path: Path) -> None:
    row = {
        "UID": "u1",
        "profile.firstName": "Ann",
        "profile.education.0.degree": "BSc",
        "profile.education.0.school": "MIT",
        "profile.education.1.degree": "MSc",
        "data.prefs.colour": "blue",
    }
    _, emitted, rejected = _run(tmp_path, REBUILD_NESTED, [[row]])
    assert rejected == []
    assert emitted == [
        {
            "UID": "u1",
            "profile": {"firstName": "Ann", "education": [{"degree": "BSc", "school": "MIT"}, {"degree": "MSc"}]},
            "data": {"prefs": {"colour": "blue"}},
        }
    ]


def test_real_world_split_login_id_lists(tmp_path: Path) -> None:
    rows = [{"UID": "u1", "loginIDs.emails": "a@x.com, b@y.com", "loginIDs.unverifiedEmails": ""}, {"UID": "u2"}]
    _, emitted, _ = _run(tmp_path, SPLIT_LOGIN_IDS, [rows])
    assert emitted == [
        {"UID": "u1", "loginIDs": {"emails": ["a@x.com", "b@y.com"], "unverifiedEmails": []}},
        {"UID": "u2", "loginIDs": {"emails": [], "unverifiedEmails": []}},
    ]


def test_real_world_renest_subscriptions_under_email(tmp_path: Path) -> None:
    row = {
        "UID": "u1",
        "subscriptions.newsletter1.isSubscribed": "true",
        "subscriptions.newsletter1.tags": "weekly",
        "subscriptions.offers.isSubscribed": "false",
    }
    _, emitted, _ = _run(tmp_path, RENEST_SUBSCRIPTIONS, [[row, {"UID": "u2"}]])
    assert emitted == [
        {
            "UID": "u1",
            "subscriptions": {
                "newsletter1": {"email": {"isSubscribed": True, "tags": "weekly"}},
                "offers": {"email": {"isSubscribed": False}},
            },
        },
        {"UID": "u2"},
    ]


def test_real_world_move_properties_into_a_context_object(tmp_path: Path) -> None:
    rows = [
        {"UID": "u1", "regSource": "web", "lang": "fr", "profile": {"email": "a@x.com"}},
        {"UID": "u2", "regSource": "web", "importBatch": 7},
        {"UID": "u3"},
    ]
    _, emitted, _ = _run(tmp_path, MOVE_TO_CONTEXT, [rows])
    assert emitted == [
        {"UID": "u1", "profile": {"email": "a@x.com"}, "context": {"regSource": "web", "lang": "fr"}},
        {"UID": "u2", "context": {"regSource": "web", "importBatch": 7}},
        {"UID": "u3", "context": {}},
    ]


# a whole job: containment shown in the job status ------------------------------------------------------
CONTAINMENT = """
function process(record, ctx, logger) {
  if (record.kind === 'throw') throw new Error('cannot handle record ' + record.n);
  if (record.kind === 'loop') while (true) {}
  if (record.kind === 'bomb') { let a = []; while (true) a.push(new Array(1000).fill(1)); }
  ctx.seen = (ctx.seen || 0) + 1;
  return { ...record, seen: ctx.seen };
}
"""


def _containment_records() -> list[dict]:
    kinds = {3: "throw", 10: "loop", 17: "bomb"}
    return [{"n": n, **({"kind": kinds[n]} if n in kinds else {})} for n in range(25)]


@pytest.mark.parametrize("with_error_path", [True, False])
def test_containment_in_a_whole_job(tmp_path: Path, with_error_path: bool) -> None:
    params = {"script": encode_script(CONTAINMENT), "timeLimitMs": 200, "memoryLimitMb": 16}
    edges: dict[str, list[str]] = {"next": ["good"]}
    steps = [step("src", "test.source", {"records": _containment_records(), "batchSize": 10}, next=["js"])]
    if with_error_path:
        edges["error"] = ["bad"]
        steps.append(step("bad", "test.collect", {"name": "bad"}))
    steps += [step("js", "record.evaluate", params, **edges), step("good", "test.collect", {"name": "good"})]
    status = run_flow({"name": "containment", "steps": steps}, tmp_path)

    assert status["status"] == "succeeded", status.get("errorMessage")
    assert_reconciled(status)
    assert status["counters"]["js"] == {"in": 25, "out": 22, "errors": 3, "filtered": 0, "added": 0}
    good = COLLECTED["good"]
    assert [r["n"] for r in good] == [n for n in range(25) if n not in (3, 10, 17)]
    assert [r["seen"] for r in good] == list(range(1, 23))  # ctx survived all three failures
    reasons = {
        3: "script error: Error: cannot handle record 3 (line 3)",
        10: "script exceeded its time limit of 200 ms",
        17: "script ran out of memory (16 MB)",
    }
    if with_error_path:
        assert {r["n"]: r["_errorDetails"]["errorMessage"] for r in COLLECTED["bad"]} == reasons
        assert all(r["_errorDetails"]["stepId"] == "js" for r in COLLECTED["bad"])
    else:
        assert status["failedRecords"] == 3
        errors = (Path(status["workDir"]) / "errors.jsonl").read_text()
        assert all(reason in errors for reason in reasons.values())
        assert sum("record failed: script" in line for line in status["trace"]) == 3


def test_the_benchmark_runs_at_a_small_size() -> None:
    from benchmarks import bench_record_evaluate as bench

    result = bench.measure(2000, 1)
    assert set(result["seconds"]) == {"python", "engine", "identity", "one per call", "python json", "js json"}
    assert "share of the engine's time spent crossing" in bench.report(result)
