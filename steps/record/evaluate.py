"""``record.evaluate``: IdentitySync's per-record JavaScript, run in an embedded QuickJS sandbox.

The script (Base64 in the ``script`` param) defines ``function process(record, ctx, logger, next, error)``:

- return the record (or a new one) to pass it on, ``null``/``undefined`` to drop it (counted as filtered),
  an array to emit several; ``next.accept(r)`` emits extra records before whatever ``process`` returns;
- ``error.accept(newRecord, original)`` sends ``newRecord`` (or ``original``, or the input record) down the
  error path, with ``newRecord._errorDetails.errorMessage`` as the reason when it has one;
- ``logger.info/warn/error/debug(message, obj?)`` write to the job trace, at most ``LOG_LINES`` per step;
- ``ctx`` is one object kept inside the JavaScript context for the whole job (it starts empty again if the
  context has to be re-created after the script filled its memory; the trace says so);
- with ``notifyLastRecord``, ``process(null, …)`` is called once more at the end of the stream.

A record whose ``process`` throws, runs past ``timeLimitMs`` (CPU time) or exhausts ``memoryLimitMb`` goes
down the error path with the reason; nothing it emitted before failing is kept, and the job goes on.
How records cross into JavaScript and how a chunk is kept from failing as a whole: ``dataflow.scripting``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from dataflow.component import ParamProblem, Record, RecordStep
from dataflow.runtime.context import StepContext
from dataflow.scripting import Outcome, RecordScript, ScriptSourceError, check_script, decode_script

_PROCESS_PARAMS = re.compile(r"function\s+process\s*\(([^)]*)\)")
LOG_LINES = 100  # logger lines a step may write to the trace; a chatty script must not flood it
DEFAULT_TIME_LIMIT_MS = 1000
DEFAULT_MEMORY_LIMIT_MB = 64


class Evaluate(RecordStep):
    """Run the flow's JavaScript ``process`` on every record, in a sandbox with time and memory limits."""

    type: ClassVar[str] = "record.evaluate"
    raw_params: ClassVar[frozenset[str]] = frozenset({"script"})

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        try:
            source = decode_script(params["script"])
        except ScriptSourceError as problem:
            yield ParamProblem(("script",), str(problem))
            return
        time_limit = params.get("timeLimitMs", DEFAULT_TIME_LIMIT_MS)
        memory_limit = params.get("memoryLimitMb", DEFAULT_MEMORY_LIMIT_MB)
        found = check_script(source, time_limit, memory_limit)
        if found is not None:
            yield ParamProblem(("script",), found)

    @classmethod
    def partition_problem(cls, params: dict[str, Any]) -> str | None:
        """Partitions each get their own ``ctx`` and their own end-of-stream call; a script using neither is safe."""
        if params.get("notifyLastRecord"):
            return "notifyLastRecord calls the script once at the end of the whole stream"
        try:
            source = decode_script(params["script"])
        except ScriptSourceError:
            return "its script cannot be read"
        if uses_context(source):
            return "its script uses ctx, which is kept across the records of the whole job"
        return None

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._script = RecordScript(
            decode_script(params["script"]),
            params.get("timeLimitMs", DEFAULT_TIME_LIMIT_MS),
            params.get("memoryLimitMb", DEFAULT_MEMORY_LIMIT_MB),
            LOG_LINES,
        )
        self._notify_last = bool(params.get("notifyLastRecord", False))
        self._dropped_logs = 0

    def open(self) -> None:
        self._script.open()  # loads the script in the thread that will run it, and fails early if it cannot

    def close(self) -> None:
        self._script.close()

    def process_batch(self, items: list[Record]) -> list[Record]:
        if not items:
            return []
        return self._settle(self._script.run(items))

    def finish(self) -> Iterator[list]:
        if self._notify_last:
            before = self.rejected_total
            emitted = self._settle(self._script.run_last())
            self.counters.settle(0, len(emitted), self.rejected_total - before)
            if emitted:
                yield emitted
        if self._dropped_logs:
            self.context.warn(f"script logger: {self._dropped_logs} more line(s) were not written to the trace")

    def _settle(self, outcome: Outcome) -> list[Record]:
        """Route failures, write log lines and notices to the trace; returns the records to pass on."""
        for failure in outcome.failures:
            if failure.record is None:  # the end-of-stream call has no record of its own
                self.reject({}, failure.reason, **{**failure.details, "lastRecord": True})
            else:
                self.reject(failure.record, failure.reason, **failure.details)
        context = self.context
        for level, text in outcome.logs:
            line = f"script: {text}"
            if level == "error":
                context.error(line)
            elif level == "warn":
                context.warn(line)
            elif level == "debug":
                context.debug(line)
            else:
                context.info(line)
        if outcome.dropped_logs:
            if not self._dropped_logs:
                context.warn(f"script logger: the limit of {LOG_LINES} lines is reached; further lines are dropped")
            self._dropped_logs += outcome.dropped_logs
        for notice in outcome.notices:
            context.warn(notice)
        return outcome.emitted


def uses_context(source: str) -> bool:
    """Whether a script touches ``process``'s second parameter (``ctx``) anywhere but in its parameter list.

    Conservative: a script whose ``process`` signature cannot be found is taken to use it.
    """
    signature = _PROCESS_PARAMS.search(source)
    if signature is None:
        return True
    names = [name.strip() for name in signature.group(1).split(",")]
    if len(names) < 2 or not names[1]:
        return False
    rest = source[: signature.start()] + source[signature.end() :]
    return re.search(rf"(?<![\w$]){re.escape(names[1])}(?![\w$])", rest) is not None
