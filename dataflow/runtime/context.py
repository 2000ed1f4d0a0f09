"""What a running job offers its components: identity, time, work directory, trace and the record budget."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dataflow.errors import JobKilled
from dataflow.placeholders import PlaceholderContext
from dataflow.runtime.redaction import Redactor
from dataflow.runtime.state import ConnectorState, MemoryState
from dataflow.runtime.trace import Trace


@dataclass
class JobContext:
    job_id: str
    dataflow_id: str
    dataflow_name: str
    work_dir: Path
    now: datetime
    trace: Trace
    placeholders: PlaceholderContext
    redactor: Redactor
    limit: int | None = None
    full_extract: bool = False
    # Start of the delta window for readers with a deltaField: the watermark (start of the last successful
    # run), or the first-run window; None on a full extract (read everything).
    delta_since: datetime | None = None
    # Connection settings (GIGYA_API_KEY, ... from the environment or --site); secrets in it are redacted.
    environ: Mapping[str, str] = field(default_factory=dict)
    batch_size: int = 1000
    cancel_event: threading.Event = field(default_factory=threading.Event)
    # What connectors remember about their destinations between jobs (runtime/state.py).
    state: ConnectorState = field(default_factory=MemoryState)
    _taken: int = 0
    _budget_lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, wanted: int) -> int:
        """How many of ``wanted`` records may still be read under ``--limit`` (all of them without a limit)."""
        if self.limit is None:
            return wanted
        with self._budget_lock:
            granted = max(0, min(wanted, self.limit - self._taken))
            self._taken += granted
            return granted

    @property
    def taken(self) -> int:
        return self._taken

    @property
    def budget_exhausted(self) -> bool:
        return self.limit is not None and self._taken >= self.limit

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise JobKilled("the job was killed")


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class StepContext:
    """The job as one step sees it; log lines carry the step id."""

    step_id: str
    step_type: str
    job: JobContext

    @property
    def work_dir(self) -> Path:
        directory = self.job.work_dir / "steps" / (_UNSAFE.sub("_", self.step_id) or "step")
        directory.mkdir(parents=True, exist_ok=True)
        return directory

    def new_file_path(self, name: str) -> Path:
        """A fresh path in this step's work directory for a file the step will produce."""
        base = Path(name).name or "file"
        candidate = self.work_dir / base
        counter = 1
        while candidate.exists():
            stem, dot, suffix = base.partition(".")
            candidate = self.work_dir / f"{stem}~{counter}{dot}{suffix}"
            counter += 1
        return candidate

    def info(self, message: str) -> None:
        self.job.trace.info(message, self.step_id)

    def warn(self, message: str) -> None:
        self.job.trace.warn(message, self.step_id)

    def error(self, message: str) -> None:
        self.job.trace.error(message, self.step_id)

    def debug(self, message: str) -> None:
        self.job.trace.debug(message, self.step_id)
