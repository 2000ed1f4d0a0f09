"""Keeps secrets out of traces, job status and error files.

Every secret a job knows (params the schemas mark ``writeOnly``, credentials from the environment) is
registered once; every line the job writes passes through ``redact``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "********"
_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        fresh = {s for s in secrets if isinstance(s, str) and len(s) >= _MIN_SECRET_LENGTH} - self._secrets
        if not fresh:
            return
        self._secrets |= fresh
        ordered = sorted(self._secrets, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def redact(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)
