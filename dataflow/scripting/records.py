"""A user's ``process(record, ctx, logger, next, error)`` script run over records, one failure at a time.

Records cross into JavaScript in chunks (one JSON string per call, see ``prelude.py``) because a call per
record costs more than the trivial scripts themselves. The time limit, though, is per call, so chunking must
not let a slow record be blamed for its chunk-mates' time, nor a runaway record take its chunk-mates down:

- chunks are sized so that one should take about a tenth of the time limit (measured, adaptive);
- when the engine interrupts a call, the records committed before the interruption keep their results, and
  the record in progress is blamed only if it started the call (it had the whole budget to itself);
  otherwise it is run again, first in a fresh call. (A record that was cut short that way has its
  ``process`` run twice; whatever it did to ``ctx`` before the cut stays.)
- a record that runs out of memory fails alone; if the heap is still more than half full afterwards (the
  script keeps data in ``ctx``), the context is re-created: the user's script is loaded again and ``ctx``
  starts empty. Each re-creation is reported in ``Outcome.notices``.
"""

from __future__ import annotations

import time
from typing import Any

from dataflow import jsonio
from dataflow.scripting.errors import (
    ScriptCompileError,
    ScriptError,
    ScriptOutOfMemory,
    ScriptRuntimeError,
    ScriptThreadError,
    ScriptTimeout,
)
from dataflow.scripting.outcome import Failure, Outcome, failure_reason, script_rejection
from dataflow.scripting.prelude import PRELUDE
from dataflow.scripting.sandbox import Sandbox

NO_PROCESS = "the script does not define function process(record, ctx, logger, next, error)"
MAX_CHUNK = 1000  # records per call, at most
FIRST_CHUNK = 16  # before the per-record cost is known
CHUNK_SHARE = 0.1  # a chunk should take this share of the time limit
CHUNK_BYTES_SHARE = 8  # a chunk's JSON may take at most 1/8 of the memory limit


class RecordScript:
    """The compiled script and its context; ``ctx`` lives inside the context, across ``run`` calls."""

    def __init__(self, source: str, time_limit_ms: int = 1000, memory_limit_mb: int = 64, log_lines: int = 100) -> None:
        self.source = source
        self.sandbox = Sandbox(time_limit_ms, memory_limit_mb)
        self.log_budget = log_lines  # what is left of it, across context re-creations
        self.contexts_created = 0
        self._start: Any = None
        self._partial: Any = None
        self._per_record: float | None = None  # CPU seconds per record, smoothed
        self._cap = MAX_CHUNK  # lowered after an interruption, raised again by clean calls

    # lifecycle --------------------------------------------------------------------------------------------
    def open(self) -> None:
        """Create the context and load the script now (in the calling thread), so problems show up early."""
        self._ensure()

    def close(self) -> None:
        self.sandbox.close()
        self._start = self._partial = None

    def _ensure(self) -> None:
        if self._start is not None and not self.sandbox.is_fresh:
            return
        sandbox = self.sandbox
        sandbox.reset()  # a half-loaded context is never reused
        sandbox.call(sandbox.eval(PRELUDE), self.log_budget)
        start = sandbox.eval("__df_entry.start")
        partial = sandbox.eval("__df_entry.partial")
        sandbox.eval("delete globalThis.__df_entry")
        sandbox.eval(self.source)
        if sandbox.eval("typeof process") != "function":
            raise ScriptCompileError(NO_PROCESS)
        self._start, self._partial = start, partial
        self.contexts_created += 1

    def _reset(self, outcome: Outcome, why: str) -> None:
        self.sandbox.reset()
        self._start = self._partial = None
        outcome.notices.append(f"{why}; the script's context was re-created and ctx starts empty again")

    # running ----------------------------------------------------------------------------------------------
    def run(self, records: list[dict[str, Any]]) -> Outcome:
        outcome = Outcome()
        position = 0
        while position < len(records):
            chunk, payload = self._next_chunk(records, position)
            position += self._run_chunk(chunk, payload, outcome)
        return outcome

    def run_last(self) -> Outcome:
        """The end-of-stream call: ``process(null, ctx, logger, next, error)``."""
        outcome = Outcome()
        while not self._run_chunk([None], "[null]", outcome):
            pass
        return outcome

    def _next_chunk(self, records: list[dict[str, Any]], position: int) -> tuple[list[Any], str]:
        if self._per_record is None:
            size = min(FIRST_CHUNK, self._cap)
        else:
            size = min(int(CHUNK_SHARE * self.sandbox.time_limit_ms / 1000 / self._per_record), self._cap)
        size = max(1, size)
        chunk = records[position : position + size]
        payload = jsonio.dumps(chunk)
        while len(payload) > self.sandbox.memory_limit_bytes // CHUNK_BYTES_SHARE and len(chunk) > 1:
            chunk = chunk[: len(chunk) // 2]
            payload = jsonio.dumps(chunk)
        return chunk, payload

    def _run_chunk(self, chunk: list[Any], payload: str, outcome: Outcome) -> int:
        """Run one chunk; returns how many of its records are settled (the rest are run again)."""
        self._ensure()
        started = time.process_time()
        try:
            reply = self.sandbox.call(self._start, payload)
        except ScriptThreadError:
            raise
        except ScriptError as problem:
            return self._recover(chunk, problem, outcome)
        elapsed = time.process_time() - started
        self._per_record = (
            elapsed / len(chunk) if self._per_record is None else 0.7 * self._per_record + 0.3 * elapsed / len(chunk)
        )
        self._cap = min(MAX_CHUNK, self._cap * 2)
        settled, out_of_memory = self._absorb(jsonio.loads(reply), chunk, outcome)
        if out_of_memory:
            self._check_heap(outcome)
        return settled

    def _recover(self, chunk: list[Any], problem: ScriptError, outcome: Outcome) -> int:
        """The engine stopped a call: keep what was committed, blame the record in progress only if fair."""
        self._cap = max(1, len(chunk) // 2)
        try:
            partial = jsonio.loads(self.sandbox.call(self._partial))
        except ScriptThreadError:
            raise
        except ScriptError:
            self._reset(outcome, f"the script's context stopped answering ({problem.message})")
            if len(chunk) == 1:
                self._fail(chunk[0], problem, outcome)
                return 1
            self._cap = 1
            return 0  # run the chunk again, one record per call, in the fresh context
        settled, _ = self._absorb(partial, chunk, outcome)
        if settled >= len(chunk):
            pass  # interrupted while replying: every record had finished
        elif (settled == 0 and partial["p"] == "run") or len(chunk) == 1:
            self._fail(chunk[settled], problem, outcome)  # it had the whole budget to itself
            settled += 1
        if isinstance(problem, ScriptOutOfMemory):
            self._check_heap(outcome)
        return settled

    def _fail(self, record: Any, problem: ScriptError, outcome: Outcome) -> None:
        reason = problem.message if isinstance(problem, (ScriptTimeout, ScriptOutOfMemory)) else None
        if reason is None:
            line = problem.line if isinstance(problem, ScriptRuntimeError) else None
            reason = failure_reason("error", problem.message, line)
        outcome.failures.append(Failure(record, reason))

    def _check_heap(self, outcome: Outcome) -> None:
        if self.sandbox.memory_used() > self.sandbox.memory_limit_bytes // 2:
            self._reset(
                outcome,
                f"the script still held over half of its {self.sandbox.memory_limit_mb} MB after running out of memory",
            )

    def _absorb(self, reply: dict[str, Any], chunk: list[Any], outcome: Outcome) -> tuple[int, bool]:
        """Add a reply's results to ``outcome``; returns (records settled, whether one ran out of memory)."""
        outcome.emitted.extend(reply["o"])
        if reply["l"]:
            outcome.logs.extend((level, text) for level, text in reply["l"])
            self.log_budget -= len(reply["l"])
        outcome.dropped_logs += reply["d"]
        out_of_memory = False
        failed: list[tuple[int, Failure]] = []
        for index, kind, message, line in reply["f"]:
            out_of_memory = out_of_memory or kind == "oom"
            reason = failure_reason(kind, message, line, self.sandbox.memory_limit_mb)
            failed.append((index, Failure(chunk[index], reason)))
        for record, index in reply["x"]:
            failed.append((index, script_rejection(record if record is not None else chunk[index])))
        if failed:
            failed.sort(key=lambda pair: pair[0])
            outcome.failures.extend(failure for _, failure in failed)
        return reply["n"], out_of_memory
