"""Sandboxed JavaScript for ``record.evaluate``: QuickJS (the ``quickjs-ng`` wheel) behind a small Python API.

- ``Sandbox``: one context, pinned to one thread, with a CPU-time limit per call and a memory limit for the
  whole context; engine errors become ``ScriptError`` subclasses (``ScriptCompileError``,
  ``ScriptRuntimeError``, ``ScriptTimeout``, ``ScriptOutOfMemory``, ``ScriptThreadError``).
- ``RecordScript``: a user's ``process(record, ctx, logger, next, error)`` loaded once into a sandbox and run
  over records in chunks, one JSON crossing per chunk, with per-record failure isolation (``Outcome``).
- ``decode_script``/``check_script``: the Base64 param and the load-time check for ``check_params``.

The engine exposes pure ECMAScript only: no ``require``, ``process`` (until the script defines its own),
``fetch``, ``console``, timers, ``std``/``os`` modules or module loading, so scripts reach no file and no
network. The engine package is imported nowhere else.
"""

from __future__ import annotations

from dataflow.scripting.errors import (
    ScriptCompileError,
    ScriptError,
    ScriptOutOfMemory,
    ScriptRuntimeError,
    ScriptThreadError,
    ScriptTimeout,
)
from dataflow.scripting.outcome import Failure, Outcome
from dataflow.scripting.records import RecordScript
from dataflow.scripting.sandbox import Sandbox
from dataflow.scripting.source import ScriptSourceError, check_script, decode_script, encode_script

__all__ = [
    "Failure",
    "Outcome",
    "RecordScript",
    "Sandbox",
    "ScriptCompileError",
    "ScriptError",
    "ScriptOutOfMemory",
    "ScriptRuntimeError",
    "ScriptSourceError",
    "ScriptThreadError",
    "ScriptTimeout",
    "check_script",
    "decode_script",
    "encode_script",
]
