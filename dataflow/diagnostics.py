"""Validation findings, each pointing at its place in the flow file.

Printed as ``FILE:LINE:COL: step '<id>' (<type>): <message> [<json-pointer>]`` so that editors and CI logs
can jump to the spot; ``as_dict`` gives the same finding for ``--format json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    column: int
    code: str
    message: str
    pointer: str = ""
    step_id: str | None = None
    step_type: str | None = None

    def format(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}: "
        step = ""
        if self.step_id is not None:
            step = f"step '{self.step_id}'" + (f" ({self.step_type})" if self.step_type else "") + ": "
        pointer = f" [{self.pointer}]" if self.pointer else ""
        return f"{where}{step}{self.message}{pointer}"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stepId"] = data.pop("step_id")
        data["stepType"] = data.pop("step_type")
        return data
