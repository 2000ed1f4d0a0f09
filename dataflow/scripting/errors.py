"""What can go wrong inside the JavaScript sandbox, as Python exceptions a caller can tell apart.

The engine reports everything as one exception type with a text message; callers need to know *why* a call
stopped (the script threw, ran too long, or ran out of memory) to word the failure and to decide whether the
context is still worth keeping, so ``sandbox.py`` translates every engine error into one of these.
"""

from __future__ import annotations

from dataflow.errors import DataflowError


class ScriptError(DataflowError):
    """Base of every sandbox failure; ``message`` is fit for a trace line or an ``errorMessage``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ScriptCompileError(ScriptError):
    """The source does not parse (``SyntaxError``); ``line``/``column`` are 1-based inside that source."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class ScriptRuntimeError(ScriptError):
    """The script threw; ``message`` is ``"TypeError: …"``, ``line`` the innermost line of the script if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class ScriptTimeout(ScriptError):
    """A call ran past its CPU-time limit and was interrupted (the context stays usable)."""

    def __init__(self, limit_ms: int) -> None:
        super().__init__(f"script exceeded its time limit of {limit_ms} ms")
        self.limit_ms = limit_ms


class ScriptOutOfMemory(ScriptError):
    """The context's heap hit its memory limit."""

    def __init__(self, limit_mb: int) -> None:
        super().__init__(f"script ran out of memory ({limit_mb} MB)")
        self.limit_mb = limit_mb


class ScriptThreadError(ScriptError):
    """A sandbox was used from a thread other than the one it is pinned to (QuickJS is not thread-safe)."""
