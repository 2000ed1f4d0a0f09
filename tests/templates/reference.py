"""Where the public IdentitySync templates are: ``shared/reference/templates`` beside the checkout (or beside any
folder above it, so a worktree under ``wt/`` finds them too). Tests that need them skip when they are absent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _find() -> Path:
    here = Path(__file__).resolve()
    for folder in here.parents:
        candidate = folder / "shared" / "reference" / "templates"
        if candidate.is_dir():
            return candidate
    return here.parents[2].parent / "shared" / "reference" / "templates"


TEMPLATES = _find()


def load(name: str) -> dict[str, Any]:
    return json.loads((TEMPLATES / name).read_text())
