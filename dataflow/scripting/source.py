"""A script as a flow carries it (Base64 text) and the load-time check that it compiles and defines ``process``.

IdentitySync stores ``record.evaluate`` scripts Base64-encoded; a flow author who pastes plain JavaScript,
or a script with a syntax error, should hear about it when the flow is validated, with the line, not halfway
through a job. The check loads the script into a throwaway sandbox with the step's own limits, because the
script's top-level code runs when it loads.
"""

from __future__ import annotations

import base64
import binascii

from dataflow.scripting.errors import (
    ScriptCompileError,
    ScriptError,
    ScriptOutOfMemory,
    ScriptRuntimeError,
    ScriptTimeout,
)
from dataflow.scripting.records import RecordScript


class ScriptSourceError(ValueError):
    """The param is not Base64 of UTF-8 text."""


def decode_script(encoded: str) -> str:
    """The JavaScript inside a Base64 ``script`` param (line breaks and spaces in the Base64 are ignored)."""
    compact = "".join(encoded.split())
    if not compact:
        raise ScriptSourceError("the script is empty")
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as problem:
        raise ScriptSourceError(f"the script is not valid Base64 ({problem})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScriptSourceError("the script's Base64 does not decode to UTF-8 text") from None


def encode_script(source: str) -> str:
    """Base64 of ``source``, as a flow carries it (for tests, examples and tools)."""
    return base64.b64encode(source.encode("utf-8")).decode("ascii")


def describe_load_problem(problem: ScriptError) -> str:
    """One sentence for a ``ParamProblem``: what is wrong and where in the decoded script."""
    if isinstance(problem, ScriptCompileError):
        if problem.line is None:  # the script compiled but defines no process()
            return (
                problem.message
                if "SyntaxError" not in problem.message
                else f"the script does not compile: {problem.message}"
            )
        column = f", column {problem.column}" if problem.column else ""
        return f"the script does not compile: {problem.message} (line {problem.line}{column})"
    if isinstance(problem, (ScriptTimeout, ScriptOutOfMemory)):
        return f"{problem.message} while loading"
    line = problem.line if isinstance(problem, ScriptRuntimeError) else None
    return f"the script failed while loading: {problem.message}" + (f" (line {line})" if line else "")


def check_script(source: str, time_limit_ms: int, memory_limit_mb: int) -> str | None:
    """None when ``source`` loads and defines ``process``; otherwise what is wrong, in one sentence."""
    script = RecordScript(source, time_limit_ms, memory_limit_mb)
    try:
        script.open()
    except ScriptError as problem:
        return describe_load_problem(problem)
    finally:
        script.close()
    return None
