"""Test components the Dask workers import by name (so they must live in an importable module)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any, ClassVar

from dataflow.component import Record, RecordStep
from dataflow.registry import Registry
from tests.helpers import registry as helper_registry


class KillWorkerOnce(RecordStep):
    """Kills the process it runs in (SIGKILL, no clean-up) at the record whose ``n`` is ``at``, once per marker."""

    type: ClassVar[str] = "test.killworker"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["marker", "at"],
        "properties": {"marker": {"type": "string"}, "at": {"type": "string"}},
    }

    def process(self, record: Record) -> Record:
        marker = Path(self.params["marker"])
        if record.get("n") == self.params["at"] and not marker.exists():
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return record


def registry() -> Registry:
    return helper_registry().extended({"test.killworker": KillWorkerOnce})
