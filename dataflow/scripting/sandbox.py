"""One QuickJS context with a CPU-time and a memory limit, pinned to one thread.

Why QuickJS (the ``quickjs-ng`` wheel, imported as ``_quickjs``) and why it is used this way: see
``shared/reference/feasibility.md`` §1. In short, a call into a compiled function costs about 0.2 µs, the
limits work and leave the context usable, and the default global object is pure ECMAScript (no ``require``,
``process``, ``fetch``, ``std``/``os`` modules; ``import()`` of anything fails), so a script can reach neither
the file system nor the network. We use ``_quickjs.Context`` directly: the ``quickjs.Function`` wrapper hops
to a thread and runs ``gc()`` on every call, which is thousands of times slower.

Limits, as the engine implements them:

- the time limit is **per call** and counts **process CPU time** (C ``clock()``), so busy threads elsewhere in
  the process make it fire early; the engine holds the GIL while JavaScript runs;
- the memory limit is for the **whole context** (script, its globals, and whatever a call holds), not per call;
- with a time limit set, JavaScript cannot call back into Python, so nothing here registers a Python callable.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import _quickjs

from dataflow.scripting.errors import (
    ScriptCompileError,
    ScriptError,
    ScriptOutOfMemory,
    ScriptRuntimeError,
    ScriptThreadError,
    ScriptTimeout,
)

JSFunction = Any  # an ``_quickjs.Object`` that is callable; the binding has no finer type
WRAPPER_PREFIX = "__df"  # functions of our own JavaScript; their frames are skipped when locating an error

_FRAME = re.compile(r"^\s*at (?:(\S+) \()?<input>:(\d+):(\d+)\)?", re.MULTILINE)


def _location(stack: str) -> tuple[int | None, int | None]:
    """Line and column of the innermost frame in evaluated source that is not our own wrapper."""
    for match in _FRAME.finditer(stack):
        name = match.group(1) or ""
        if not name.startswith(WRAPPER_PREFIX):
            return int(match.group(2)), int(match.group(3))
    return None, None


class Sandbox:
    """A JavaScript context that raises ``ScriptError`` subclasses instead of the engine's exceptions.

    The context is created on first use, in the calling thread, and the sandbox stays pinned to that thread
    (a QuickJS context must never be entered from two threads). ``reset()`` throws the context away; the next
    call creates a fresh one, which is how a caller recovers from a heap the script left full.
    """

    def __init__(self, time_limit_ms: int, memory_limit_mb: int) -> None:
        self.time_limit_ms = time_limit_ms
        self.memory_limit_mb = memory_limit_mb
        self._context: _quickjs.Context | None = None
        self._owner: int | None = None

    @property
    def memory_limit_bytes(self) -> int:
        return self.memory_limit_mb << 20

    @property
    def is_fresh(self) -> bool:
        """True when the next use will create a new context (never used, reset or closed)."""
        return self._context is None

    def _get(self) -> _quickjs.Context:
        thread = threading.get_ident()
        if self._owner is None:
            self._owner = thread
        elif self._owner != thread:
            raise ScriptThreadError("a script context was used from another thread than the one that created it")
        if self._context is None:
            context = _quickjs.Context()
            context.set_time_limit(self.time_limit_ms / 1000)
            context.set_memory_limit(self.memory_limit_bytes)
            self._context = context
        return self._context

    def eval(self, source: str) -> Any:
        """Run ``source`` as a global (sloppy-mode) script; returns its completion value."""
        context = self._get()
        try:
            return context.eval(source)
        except (_quickjs.JSException, _quickjs.StackOverflow) as problem:
            raise self._translate(problem, compiling=True) from None

    def call(self, function: JSFunction, *args: Any) -> Any:
        """Call a JavaScript function with primitive arguments (strings, numbers, booleans, None)."""
        self._get()  # the thread check
        try:
            return function(*args)
        except (_quickjs.JSException, _quickjs.StackOverflow) as problem:
            raise self._translate(problem, compiling=False) from None

    def run_jobs(self, limit: int = 100) -> int:
        """Run queued promise jobs (at most ``limit``); returns how many ran.

        Record calls never do this: scripts get no event loop, so ``async``/``then`` work is not supported.
        It exists to observe what a promise settles to (e.g. that ``import('fs')`` is rejected).
        """
        context = self._get()
        ran = 0
        try:
            while ran < limit and context.execute_pending_job():
                ran += 1
        except (_quickjs.JSException, _quickjs.StackOverflow) as problem:
            raise self._translate(problem, compiling=False) from None
        return ran

    def memory_used(self) -> int:
        """Bytes in use on the context's heap (walks the heap: call it on rare paths only)."""
        if self._context is None:
            return 0
        return int(self._context.memory()["memory_used_size"])

    def reset(self) -> None:
        self._context = None

    close = reset

    def _translate(self, problem: BaseException, compiling: bool) -> ScriptError:
        text = str(problem)
        headline = text.split("\n", 1)[0].strip()
        if headline == "InternalError: interrupted":
            return ScriptTimeout(self.time_limit_ms)
        if headline == "InternalError: out of memory":
            return ScriptOutOfMemory(self.memory_limit_mb)
        line, column = _location(text)
        if compiling and headline.startswith("SyntaxError"):
            return ScriptCompileError(headline, line, column)
        if not headline or headline == "undefined":
            headline = "uncaught exception"
        return ScriptRuntimeError(headline, line)
