"""The parsed dataflow: steps, edges, and where each came from in the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dataflow.loading import Position, SourceMap, json_pointer


@dataclass
class Step:
    id: str
    type: str
    params: dict[str, Any]
    next: list[str]
    error: list[str]
    index: int  # position in the file's steps list

    @property
    def path(self) -> tuple[str | int, ...]:
        return ("steps", self.index)


@dataclass
class Dataflow:
    file: str
    data: dict[str, Any]
    source_map: SourceMap
    steps: list[Step] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "")

    @property
    def description(self) -> str:
        return str(self.data.get("description") or "")

    @property
    def id(self) -> str | None:
        value = self.data.get("id")
        return str(value) if value else None

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def position(self, path: tuple[str | int, ...], prefer_key: bool = False) -> Position:
        return self.source_map.locate(path, prefer_key=prefer_key)

    @staticmethod
    def pointer(path: tuple[str | int, ...]) -> str:
        return json_pointer(path)


def build(file: str, data: Any, source_map: SourceMap) -> Dataflow:
    """Build the model leniently: malformed steps are left out (schema validation reports them)."""
    flow = Dataflow(file=file, data=data if isinstance(data, dict) else {}, source_map=source_map)
    steps = flow.data.get("steps")
    if not isinstance(steps, list):
        return flow
    for index, raw in enumerate(steps):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not isinstance(raw.get("type"), str):
            continue
        params = raw.get("params")
        flow.steps.append(
            Step(
                id=raw["id"],
                type=raw["type"],
                params=params if isinstance(params, dict) else {},
                next=[s for s in raw.get("next") or [] if isinstance(s, str)]
                if isinstance(raw.get("next"), list)
                else [],
                error=[s for s in raw.get("error") or [] if isinstance(s, str)]
                if isinstance(raw.get("error"), list)
                else [],
                index=index,
            )
        )
    return flow
