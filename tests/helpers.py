"""Small components and a runner shortcut for engine tests: flows built from dicts, records in, records out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from dataflow.component import Reader, Record, RecordStep
from dataflow.errors import RecordError
from dataflow.fieldpath import clone
from dataflow.registry import Registry, default_registry
from dataflow.runtime.runner import Runner, RunOptions
from dataflow.validation import ValidatedFlow, validate_text

COLLECTED: dict[str, list[Record]] = {}


class ListSource(Reader):
    """Emits the records given in its params, ``batchSize`` at a time."""

    type: ClassVar[str] = "test.source"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["records"],
        "additionalProperties": False,
        "properties": {
            "records": {"type": "array", "items": {"type": "object"}},
            "batchSize": {"type": "integer", "minimum": 1, "default": 2},
        },
    }

    def read(self) -> Iterator[list[Record]]:
        records = self.params["records"]
        size = self.params["batchSize"]
        for start in range(0, len(records), size):
            yield [clone(r) for r in records[start : start + size]]


class Flag(RecordStep):
    """Fails records with ``fail``, drops those with ``drop``, emits ``dup`` copies, tags the rest."""

    type: ClassVar[str] = "test.flag"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"tag": {"type": "string", "default": "seen"}},
    }

    def process(self, record: Record) -> Record | list[Record] | None:
        if record.get("fail"):
            raise RecordError(f"record {record.get('n')} is marked to fail", code=42)
        if record.get("drop"):
            return None
        record.setdefault("tags", []).append(self.params["tag"])
        if record.get("dup"):
            return [dict(record, copy=i) for i in range(record["dup"])]
        return record


class Collect(RecordStep):
    """Keeps what reaches it in ``COLLECTED[name]`` and passes it on."""

    type: ClassVar[str] = "test.collect"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {"name": {"type": "string"}},
    }

    def process_batch(self, items: list[Record]) -> list[Record]:
        COLLECTED.setdefault(self.params["name"], []).extend(clone(items))
        return items


class Explode(RecordStep):
    """Raises an ordinary exception: the job must fail naming this step."""

    type: ClassVar[str] = "test.explode"
    params_schema: ClassVar[dict[str, Any]] = {"type": "object"}

    def process(self, record: Record) -> Record:
        raise ValueError("boom")


def registry() -> Registry:
    return default_registry().extended(
        {"test.source": ListSource, "test.flag": Flag, "test.collect": Collect, "test.explode": Explode}
    )


def validate_flow(flow: dict[str, Any], name: str = "flow.json", components: Registry | None = None) -> ValidatedFlow:
    return validate_text(json.dumps(flow, indent=2), name, registry=components or registry())


def run_flow(
    flow: dict[str, Any], tmp_path: Path, components: Registry | None = None, **options: Any
) -> dict[str, Any]:
    COLLECTED.clear()
    validated = validate_flow(flow, components=components)
    assert validated.ok, [d.format() for d in validated.diagnostics]
    return Runner(validated, RunOptions(work_root=tmp_path / "jobs", **options)).run()


def assert_reconciled(status: dict[str, Any]) -> None:
    for step_id, counts in status["counters"].items():
        assert counts["in"] + counts["added"] == counts["out"] + counts["errors"] + counts["filtered"], (
            step_id,
            counts,
        )


def step(step_id: str, type_: str, params: dict[str, Any] | None = None, **edges: list[str]) -> dict[str, Any]:
    document: dict[str, Any] = {"id": step_id, "type": type_, "params": params or {}}
    document.update(edges)
    return document
