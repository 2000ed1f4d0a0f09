"""The job trace: IdentitySync's step log, filtered by ``logLevel`` and scrubbed of secrets.

The trace is kept in memory for the job status, so it is capped: a job over ten million records must not
grow it without bound (per-record failures go to the error file, not here).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from dataflow.clock import iso, utc_now
from dataflow.runtime.redaction import Redactor

LEVELS = {"debug": 10, "info": 20, "warn": 30, "error": 40}
LOG_LEVELS = ("info", "error", "debug")
MAX_TRACE_LINES = 5000

_log = logging.getLogger("dataflow.job")


class Trace:
    def __init__(
        self,
        level: str = "info",
        redactor: Redactor | None = None,
        clock: Callable[[], datetime] = utc_now,
        listener: Callable[[str], None] | None = None,
    ) -> None:
        self.threshold = LEVELS[level]
        self.redactor = redactor if redactor is not None else Redactor()
        self.lines: list[str] = []
        self.dropped = 0
        self._clock = clock
        self._listener = listener
        self._lock = threading.Lock()

    def enabled(self, level: str) -> bool:
        return LEVELS[level] >= self.threshold

    def log(self, level: str, message: str, step: str | None = None) -> None:
        if LEVELS[level] < self.threshold:
            return
        where = f" [{step}]" if step is not None else ""
        line = self.redactor.redact(f"{iso(self._clock())} {level.upper()}{where} {message}")
        _log.log(LEVELS[level], line)
        self._keep(line)

    def extend(self, lines: list[str]) -> None:
        """Add lines another trace wrote already (a partition's, redacted and logged there), as they were."""
        for line in lines:
            self._keep(line)

    def _keep(self, line: str) -> None:
        with self._lock:
            if len(self.lines) < MAX_TRACE_LINES:
                self.lines.append(line)
            else:
                self.dropped += 1
        if self._listener is not None:
            self._listener(line)

    def info(self, message: str, step: str | None = None) -> None:
        self.log("info", message, step)

    def warn(self, message: str, step: str | None = None) -> None:
        self.log("warn", message, step)

    def error(self, message: str, step: str | None = None) -> None:
        self.log("error", message, step)

    def debug(self, message: str, step: str | None = None) -> None:
        self.log("debug", message, step)

    def snapshot(self) -> list[str]:
        with self._lock:
            lines = list(self.lines)
        if self.dropped:
            lines.append(f"... {self.dropped} more trace lines not kept")
        return lines
