"""The public IdentitySync templates, found by ``locate.templates_dir`` (tests that need them skip when absent)."""

from __future__ import annotations

import json
from typing import Any

from tests.templates.locate import templates_dir

TEMPLATES = templates_dir()


def load(name: str) -> dict[str, Any]:
    return json.loads((TEMPLATES / name).read_text())
