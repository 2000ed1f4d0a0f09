"""``DATAFLOW_HOME``: where jobs keep their work directories (and, later, the state store)."""

from __future__ import annotations

import os
from pathlib import Path


def dataflow_home() -> Path:
    configured = os.environ.get("DATAFLOW_HOME")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dataflow"


def jobs_dir() -> Path:
    return dataflow_home() / "jobs"
