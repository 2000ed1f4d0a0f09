"""The JavaScript side of a record script: the wrapper evaluated in the context before the user's script.

Why a wrapper: crossing between Python and JavaScript costs far more than the trivial work most scripts do,
and with a time limit set QuickJS cannot call back into Python at all. So a whole chunk of records crosses
once, as one JSON string; ``logger``, ``next`` and ``error`` only buffer into arrays, and one JSON reply
carries everything back. Per-record isolation stays inside the loop: each ``process`` call has its own
``try``/``catch``, and a record's outputs are committed only when its call returned cleanly.

Entry points (``__df_entry``, fetched by Python and then removed from the global object):

- ``start(json)``: run ``process`` over the JSON array of records (``[null]`` is the end-of-stream call);
- ``partial()``: after the engine interrupted ``start`` (time limit, or out of memory outside the per-record
  ``catch``), the reply for the records committed so far. ``n`` says how many, ``p`` in which phase
  (``parse``, ``run``, ``reply``) the interruption came.

Reply: ``{o: emitted records, x: [[record|null, index]] sent to error by the script, f: [[index, kind, message,
line]] failures (kind ``error``, ``oom`` or ``json``), l: [[level, text]] log lines, d: log lines dropped over
the budget, n: records committed, p: phase}``. After an out-of-memory failure the loop stops early (``n`` is
short) so that Python can look at the heap before going on. Every function here is named ``__df…`` so that
error locations skip its frames and point into the user's script.
"""

from __future__ import annotations

PRELUDE = r"""
(function __df_install(logBudget) {
  "use strict";
  var parse = JSON.parse, stringify = JSON.stringify, isArray = Array.isArray;
  var EngineError = InternalError, PromiseType = Promise;  // captured before the user's script can shadow them
  var MAX_LINE = 2000;
  var ctx = {};
  var records = null, index = 0, done = 0, phase = "idle";
  var emitted = [], owners = [], rejects = [], failures = [], logs = [], dropped = 0;
  var keptE = 0, keptR = 0, keptF = 0;
  var extra = null, refused = null, active = false;

  function __df_kind(value) {
    if (value instanceof PromiseType) return "a Promise (there is no event loop: process() must not be async)";
    return value === null ? "null" : isArray(value) ? "an array" : "a " + typeof value;
  }
  function __df_isRecord(value) {
    return typeof value === "object" && value !== null && !isArray(value) && !(value instanceof PromiseType);
  }
  function __df_isOom(e) {
    return e instanceof EngineError && e.message === "out of memory";
  }
  function __df_text(value) {
    if (typeof value === "string") return value;
    try {
      var text = typeof value === "object" && value !== null ? stringify(value) : String(value);
      return text === undefined ? String(value) : text;
    } catch (e) {
      return String(value);
    }
  }
  function __df_line(stack) {
    var frame = /at (\S+) \(<input>:(\d+):\d+\)/g, found;
    while ((found = frame.exec(String(stack))) !== null) {
      if (found[1].indexOf("__df") !== 0) return Number(found[2]);
    }
    return 0;
  }
  function __df_failure(e) {
    if (__df_isOom(e)) return ["oom", "", 0];
    var message, line = 0;
    try { message = e instanceof Error ? String(e) : __df_text(e); } catch (x) { message = "uncaught exception"; }
    try { line = e instanceof Error ? __df_line(e.stack) : 0; } catch (x) { line = 0; }
    return ["error", message, line];
  }
  function __df_logger(level) {
    return function __df_log(message, detail) {
      if (logBudget <= 0) { dropped++; return; }
      logBudget--;
      var line = __df_text(message);
      if (arguments.length > 1 && detail !== undefined) line += " " + __df_text(detail);
      if (line.length > MAX_LINE) line = line.slice(0, MAX_LINE) + "…";
      logs.push([level, line]);
    };
  }
  var logger = Object.freeze({
    info: __df_logger("info"), warn: __df_logger("warn"), error: __df_logger("error"),
    debug: __df_logger("debug"), log: __df_logger("info")
  });
  var next = Object.freeze({ accept: function __df_next(record) {
    if (!active) throw new Error("next.accept() was called outside process()");
    if (record === null || record === undefined) return;
    if (!__df_isRecord(record)) {
      throw new TypeError("next.accept() takes a record (an object), not " + __df_kind(record));
    }
    (extra || (extra = [])).push(record);
  }});
  var error = Object.freeze({ accept: function __df_error(record, original) {
    if (!active) throw new Error("error.accept() was called outside process()");
    var chosen = __df_isRecord(record) ? record : __df_isRecord(original) ? original : null;
    (refused || (refused = [])).push([chosen, index]);
  }});

  function __df_one(fn, record) {
    extra = null; refused = null; active = true;
    var result, many = null, j;
    try {
      result = fn(record, ctx, logger, next, error);
      active = false;
      if (isArray(result)) {
        many = [];
        for (j = 0; j < result.length; j++) {
          if (result[j] === null || result[j] === undefined) continue;
          if (!__df_isRecord(result[j])) {
            throw new TypeError("process() returned an array holding " + __df_kind(result[j]) +
              "; expected records (objects)");
          }
          many.push(result[j]);
        }
      } else if (result !== null && result !== undefined && !__df_isRecord(result)) {
        throw new TypeError("process() returned " + __df_kind(result) +
          "; expected a record (an object), an array of records, null or undefined");
      }
    } catch (e) {
      active = false;
      var failure = __df_failure(e);
      failures.push([index, failure[0], failure[1], failure[2]]);
      keptF = failures.length; done = index + 1;
      return failure[0] !== "oom";
    }
    if (extra !== null) for (j = 0; j < extra.length; j++) { emitted.push(extra[j]); owners.push(index); }
    if (many !== null) for (j = 0; j < many.length; j++) { emitted.push(many[j]); owners.push(index); }
    else if (result !== null && result !== undefined) { emitted.push(result); owners.push(index); }
    if (refused !== null) for (j = 0; j < refused.length; j++) rejects.push(refused[j]);
    keptE = emitted.length; keptR = rejects.length; done = index + 1;
    return true;
  }

  function __df_isolate() {
    var bad = {}, j, keepE = [], keepO = [], keepR = [];
    function __df_mark(owner, e) {
      if (__df_isOom(e)) throw e;
      if (!bad[owner]) { bad[owner] = true; failures.push([owner, "json", String(e), 0]); }
    }
    for (j = 0; j < emitted.length; j++) { try { stringify(emitted[j]); } catch (e) { __df_mark(owners[j], e); } }
    for (j = 0; j < rejects.length; j++) {
      try { stringify(rejects[j][0]); } catch (e) { __df_mark(rejects[j][1], e); }
    }
    for (j = 0; j < emitted.length; j++) if (!bad[owners[j]]) { keepE.push(emitted[j]); keepO.push(owners[j]); }
    for (j = 0; j < rejects.length; j++) if (!bad[rejects[j][1]]) keepR.push(rejects[j]);
    emitted = keepE; owners = keepO; rejects = keepR;
    keptE = emitted.length; keptR = rejects.length; keptF = failures.length;
  }

  function __df_reply(stage) {
    var text;
    try {
      text = stringify({o: emitted, x: rejects, f: failures, l: logs, d: dropped, n: done, p: stage});
    } catch (e) {
      if (__df_isOom(e)) throw e;
      __df_isolate();
      text = stringify({o: emitted, x: rejects, f: failures, l: logs, d: dropped, n: done, p: stage});
    }
    records = null; emitted = []; owners = []; rejects = []; failures = []; logs = []; dropped = 0;
    keptE = keptR = keptF = 0; done = 0; phase = "idle";
    return text;
  }

  function __df_start(json) {
    records = null; emitted = []; owners = []; rejects = []; failures = [];
    keptE = keptR = keptF = 0; index = 0; done = 0;
    phase = "parse";
    records = parse(json);
    phase = "run";
    var fn = typeof process === "function" ? process : function __df_missing() {
      throw new TypeError("the script does not define function process(record, ctx, logger, next, error)");
    };
    for (index = 0; index < records.length; index++) {
      if (!__df_one(fn, records[index])) break;
    }
    phase = "reply";
    return __df_reply("done");
  }

  function __df_partial() {
    var stage = phase;
    emitted.length = keptE; owners.length = keptE; rejects.length = keptR; failures.length = keptF;
    return __df_reply(stage);
  }

  globalThis.__df_entry = {start: __df_start, partial: __df_partial};
})
"""
