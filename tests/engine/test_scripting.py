"""The JavaScript sandbox (``dataflow.scripting``): what scripts can reach, limits, errors, chunk isolation."""

from __future__ import annotations

import threading

import pytest

from dataflow.scripting import (
    RecordScript,
    Sandbox,
    ScriptCompileError,
    ScriptOutOfMemory,
    ScriptRuntimeError,
    ScriptSourceError,
    ScriptThreadError,
    ScriptTimeout,
    check_script,
    decode_script,
    encode_script,
)

BOMB = "{ let a = []; while (true) a.push(new Array(1000).fill(1)); }"


# the sandbox: nothing but ECMAScript --------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["require", "process", "fetch", "XMLHttpRequest", "std", "os", "console", "setTimeout", "scriptArgs"]
)
def test_no_host_objects_are_exposed(name: str) -> None:
    assert Sandbox(1000, 16).eval(f"typeof {name}") == "undefined"


@pytest.mark.parametrize("module", ["fs", "qjs:std", "qjs:os", "./local.js", "https://example.com/x.js"])
def test_dynamic_import_is_rejected(module: str) -> None:
    sandbox = Sandbox(1000, 16)
    sandbox.eval(
        f"var outcome = 'pending'; import({module!r})"
        ".then(() => { outcome = 'loaded'; }, (e) => { outcome = String(e); });"
    )
    sandbox.run_jobs()
    assert sandbox.eval("outcome") == f"ReferenceError: could not load module '{module.removeprefix('./')}'"


def test_static_import_does_not_compile() -> None:
    with pytest.raises(ScriptCompileError):
        Sandbox(1000, 16).eval("import * as std from 'qjs:std';")


def test_compile_error_reports_line_and_column() -> None:
    with pytest.raises(ScriptCompileError) as caught:
        Sandbox(1000, 16).eval("var a = 1;\nvar b = a +* 2;")
    assert caught.value.message.startswith("SyntaxError:")
    assert (caught.value.line, caught.value.column) == (2, 12)


def test_runtime_error_reports_the_line() -> None:
    with pytest.raises(ScriptRuntimeError) as caught:
        Sandbox(1000, 16).eval("var a = null;\n\na.x;")
    assert caught.value.message == "TypeError: cannot read property 'x' of null"
    assert caught.value.line == 3


def test_stack_overflow_is_a_runtime_error() -> None:
    with pytest.raises(ScriptRuntimeError, match="RangeError: Maximum call stack size exceeded"):
        Sandbox(1000, 16).eval("function f() { return f() + 1; } f();")


def test_time_limit_interrupts_and_the_context_stays_usable() -> None:
    sandbox = Sandbox(100, 16)
    sandbox.eval("var kept = 41;")
    with pytest.raises(ScriptTimeout, match="script exceeded its time limit of 100 ms"):
        sandbox.eval("while (true) {}")
    assert sandbox.eval("kept + 1") == 42


def test_time_limit_covers_catastrophic_regexes() -> None:
    with pytest.raises(ScriptTimeout):
        Sandbox(100, 16).eval("/(a+)+$/.test('a'.repeat(40) + 'b')")


def test_memory_limit_stops_a_bomb_and_the_context_stays_usable() -> None:
    sandbox = Sandbox(5000, 16)
    with pytest.raises(ScriptOutOfMemory, match=r"script ran out of memory \(16 MB\)"):
        sandbox.eval(BOMB)
    assert sandbox.eval("[1, 2, 3].length") == 3
    assert sandbox.memory_used() < 8 << 20


def test_a_sandbox_is_pinned_to_its_thread() -> None:
    sandbox = Sandbox(1000, 16)
    sandbox.eval("1")
    caught: list[BaseException] = []

    def elsewhere() -> None:
        try:
            sandbox.eval("2")
        except BaseException as problem:
            caught.append(problem)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert caught and isinstance(caught[0], ScriptThreadError)
    assert sandbox.eval("3") == 3


# the Base64 param and the load-time check ---------------------------------------------------------------
def test_decode_script_ignores_line_breaks_and_rejects_garbage() -> None:
    encoded = encode_script("function process(r) { return r; }")
    assert decode_script(encoded[:10] + "\n  " + encoded[10:]) == "function process(r) { return r; }"
    with pytest.raises(ScriptSourceError, match="not valid Base64"):
        decode_script("function process(r) { return r; }")
    with pytest.raises(ScriptSourceError, match="UTF-8"):
        decode_script("//79")  # 0xff 0xfe 0xfd
    with pytest.raises(ScriptSourceError, match="empty"):
        decode_script("  ")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("function process(r) { return r; }", None),
        ("const process = (r) => r?.a ?? r;", None),
        ("function process(r) {\n  return r +* 2;\n}", "the script does not compile: SyntaxError: unexpected token in"),
        ("var helper = 1;", "the script does not define function process(record, ctx, logger, next, error)"),
        ("var process = 5;", "the script does not define function process"),
        ("\nnull.x;", "the script failed while loading: TypeError: cannot read property 'x' of null (line 2)"),
        ("while (true) {}", "script exceeded its time limit of 100 ms while loading"),
        (BOMB, "script ran out of memory (16 MB) while loading"),
    ],
)
def test_check_script(source: str, expected: str | None) -> None:
    found = check_script(source, 100, 16)
    if expected is None:
        assert found is None
    else:
        assert found is not None and found.startswith(expected), found


# RecordScript: one chunk per call, failures one record at a time -----------------------------------------
MIXED = """
function process(record, ctx, logger, next, error) {
  ctx.calls = (ctx.calls || 0) + 1;
  if (record.kind === 'throw') throw new TypeError('bad record ' + record.n);
  if (record.kind === 'loop') while (true) {}
  if (record.kind === 'bomb') { let a = []; while (true) a.push(new Array(1000).fill(1)); }
  if (record.kind === 'circular') { record.self = record; return record; }
  if (record.kind === 'bigint') return {n: record.n, big: 1n};
  if (record.kind === 'promise') return Promise.resolve(record);
  if (record.kind === 'number') return 7;
  record.ok = true;
  return record;
}
"""


def _records(kinds: dict[int, str], count: int = 20) -> list[dict]:
    return [{"n": n, **({"kind": kinds[n]} if n in kinds else {})} for n in range(count)]


def test_each_failure_takes_only_its_own_record() -> None:
    script = RecordScript(MIXED, time_limit_ms=200, memory_limit_mb=16)
    kinds = {2: "throw", 5: "loop", 8: "bomb", 11: "circular", 13: "bigint", 15: "promise", 17: "number"}
    outcome = script.run(_records(kinds))
    assert [r["n"] for r in outcome.emitted] == [n for n in range(20) if n not in kinds]
    assert all(r["ok"] for r in outcome.emitted)
    reasons = {failure.record["n"]: failure.reason for failure in outcome.failures}
    assert list(reasons) == sorted(kinds)
    assert reasons[2] == "script error: TypeError: bad record 2 (line 4)"
    assert reasons[5] == "script exceeded its time limit of 200 ms"
    assert reasons[8] == "script ran out of memory (16 MB)"
    assert (
        reasons[11] == "script error: the record it produced cannot be turned into JSON: TypeError: circular reference"
    )
    assert "BigInt" in reasons[13]
    assert "Promise" in reasons[15] and "async" in reasons[15]
    assert "process() returned a number" in reasons[17]
    assert outcome.failures[0].record == {"n": 2, "kind": "throw"}  # the input, untouched


def test_a_failed_record_keeps_none_of_its_outputs() -> None:
    script = RecordScript(
        "function process(r, ctx, logger, next) { next.accept({extra: r.n}); if (r.n === 1) throw new Error('no'); "
        "return r; }"
    )
    outcome = script.run([{"n": 0}, {"n": 1}, {"n": 2}])
    assert outcome.emitted == [{"extra": 0}, {"n": 0}, {"extra": 2}, {"n": 2}]
    assert [f.reason for f in outcome.failures] == ["script error: Error: no (line 1)"]


def test_slow_records_are_not_blamed_for_their_chunk_mates_time() -> None:
    busy = "function process(r) { var t = Date.now(); while (Date.now() - t < 25) {} r.done = true; return r; }"
    script = RecordScript(busy, time_limit_ms=100, memory_limit_mb=16)
    outcome = script.run([{"n": n} for n in range(12)])  # 12 × 25 ms in the first chunk: past the limit
    assert outcome.failures == []
    assert [r["n"] for r in outcome.emitted] == list(range(12))


def test_chunks_grow_so_that_records_cross_in_few_calls() -> None:
    script = RecordScript("function process(r) { r.seen = 'yes'; return r; }")
    script.open()
    calls = 0
    original = script.sandbox.call

    def counting(function, *args):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return original(function, *args)

    script.sandbox.call = counting  # type: ignore[method-assign]
    outcome = script.run([{"n": n} for n in range(5000)])
    assert len(outcome.emitted) == 5000
    assert calls <= 12, calls


def test_heap_kept_full_by_ctx_recreates_the_context() -> None:
    hoarder = """
    function process(r, ctx) {
      ctx.seen = (ctx.seen || 0) + 1;
      if (r.hoard) { ctx.hoard = []; while (true) ctx.hoard.push(new Array(1000).fill(1)); }
      r.seen = ctx.seen;
      return r;
    }
    """
    script = RecordScript(hoarder, time_limit_ms=5000, memory_limit_mb=16)
    outcome = script.run([{"n": 0}, {"n": 1}, {"n": 2, "hoard": True}, {"n": 3}, {"n": 4}])
    assert [(r["n"], r["seen"]) for r in outcome.emitted] == [(0, 1), (1, 2), (3, 1), (4, 2)]
    assert [f.reason for f in outcome.failures] == ["script ran out of memory (16 MB)"]
    assert len(outcome.notices) == 1 and "ctx starts empty" in outcome.notices[0]
    assert script.contexts_created == 2


def test_a_bomb_that_frees_its_memory_keeps_the_context_and_ctx() -> None:
    script = RecordScript(
        f"function process(r, ctx) {{ ctx.seen = (ctx.seen || 0) + 1; if (r.bomb) {{ {BOMB} }} "
        "r.seen = ctx.seen; return r; }",
        memory_limit_mb=16,
    )
    outcome = script.run([{"n": 0}, {"bomb": True}, {"n": 2}])
    assert [r["seen"] for r in outcome.emitted] == [1, 3]
    assert outcome.notices == [] and script.contexts_created == 1


def test_log_lines_are_capped_across_calls() -> None:
    script = RecordScript(
        "function process(r, ctx, logger) { logger.info('n', r.n); logger.warn('w'); return r; }", log_lines=5
    )
    first = script.run([{"n": 0}, {"n": 1}])
    second = script.run([{"n": 2}, {"n": 3}])
    assert first.logs == [("info", "n 0"), ("warn", "w"), ("info", "n 1"), ("warn", "w")]
    assert second.logs == [("info", "n 2")]
    assert (first.dropped_logs, second.dropped_logs) == (0, 3)


def test_last_call_gets_null_and_sees_ctx() -> None:
    script = RecordScript(
        "function process(r, ctx) { if (r === null) return {count: ctx.count}; ctx.count = (ctx.count || 0) + 1; }"
    )
    assert script.run([{}, {}, {}]).emitted == []
    assert script.run_last().emitted == [{"count": 3}]


def test_callbacks_outside_process_fail() -> None:
    script = RecordScript(
        "var saved; function process(r, ctx, logger, next) { if (saved) saved.accept(r); saved = next; return null; }"
    )
    outcome = script.run([{"n": 0}, {"n": 1}])
    assert outcome.emitted == [{"n": 1}]  # the saved `next` works again inside a later call
    assert outcome.failures == []
    script2 = RecordScript("var saved; function process(r, ctx, logger, next) { saved = next; return r; }")
    script2.run([{"n": 0}])
    with pytest.raises(ScriptRuntimeError, match="outside process"):
        script2.sandbox.eval("saved.accept({})")
