"""Where the public IdentitySync templates are: ``shared/reference/templates`` beside the checkout or beside one
of its parents (a worktree under ``wt/`` finds the same copy as the main checkout), or DATAFLOW_TEMPLATES."""

from __future__ import annotations

import os
from pathlib import Path


def templates_dir() -> Path:
    given = os.environ.get("DATAFLOW_TEMPLATES")
    if given:
        return Path(given)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "reference" / "templates"
        if candidate.is_dir():
            return candidate
    return here.parents[3] / "shared" / "reference" / "templates"  # absent: tests that need it skip
