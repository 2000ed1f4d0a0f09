"""Helpers for testing components outside a full job: build one with a real job context and drive it.

Third-party component packages can use these in their own tests, as the conformance suite does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from dataflow import jsonio, placeholders, schemas
from dataflow.clock import utc_now
from dataflow.component import Component, FileStep, Kind, Reader, Record, RecordStep
from dataflow.errors import FlowInvalid
from dataflow.fieldpath import clone
from dataflow.files import FileRef
from dataflow.registry import Registry, default_registry
from dataflow.runtime.context import JobContext, StepContext
from dataflow.runtime.redaction import Redactor
from dataflow.runtime.runner import Runner, RunOptions
from dataflow.runtime.trace import Trace
from dataflow.validation import validate_text


def job_context(work_dir: Path, **overrides: Any) -> JobContext:
    job_id = overrides.pop("job_id", uuid.uuid4().hex)
    now = overrides.pop("now", utc_now())
    redactor = Redactor()
    fields: dict[str, Any] = {
        "job_id": job_id,
        "dataflow_id": "0" * 32,
        "dataflow_name": "test",
        "work_dir": work_dir,
        "now": now,
        "trace": Trace(overrides.pop("log_level", "debug"), redactor),
        "placeholders": placeholders.PlaceholderContext(now=now, job_id=job_id, api_key="test-api-key", environ={}),
        "redactor": redactor,
    }
    fields.update(overrides)
    work_dir.mkdir(parents=True, exist_ok=True)
    return JobContext(**fields)


def build_component(
    type_name: str,
    params: dict[str, Any],
    work_dir: Path,
    registry: Registry | None = None,
    step_id: str = "step",
    **job_overrides: Any,
) -> Component:
    """The component as a job would build it: params validated, defaults applied, placeholders rendered."""
    info = (registry or default_registry()).get(type_name)
    found = list(schemas.problems(schemas.validator_for(info.schema), params, noun="param"))
    if found:
        raise ValueError("; ".join(problem.message for problem in found))
    job = job_context(work_dir, **job_overrides)
    merged = schemas.with_defaults(info.schema, params)
    rendered = placeholders.render_params(merged, job.placeholders, skip=info.cls.raw_params)
    component = info.cls(rendered, StepContext(step_id, type_name, job))
    component.open()
    return component


def drive(component: Component, batches: list[list]) -> tuple[list, list[tuple[Any, str, dict[str, Any]]]]:
    """Feed ``batches`` then finish; returns (everything emitted, everything rejected)."""
    emitted: list = []
    rejected: list[tuple[Any, str, dict[str, Any]]] = []
    for batch in batches:
        for output in component.feed(batch):
            emitted.extend(output)
            rejected.extend(component.drain_rejected())
        rejected.extend(component.drain_rejected())
    for output in component.finish():
        emitted.extend(output)
    rejected.extend(component.drain_rejected())
    component.close()
    return emitted, rejected


def read_all(component: Component) -> list:
    emitted: list = []
    for batch in component.source():
        emitted.extend(batch)
    component.close()
    return emitted


# Config-level tests: run a real flow with its services swapped for records in and captures out --------------
CAPTURED: dict[str, list[Any]] = {}


class GivenRecords(Reader):
    """Emits the records given in ``params.records`` (a stand-in for a service reader)."""

    type: ClassVar[str] = "testing.records"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["records"],
        "properties": {"records": {"type": "array", "items": {"type": "object"}}},
    }

    def read(self) -> Iterator[list[Record]]:
        yield [clone(record) for record in self.params["records"]]


class GivenFiles(Reader):
    """Emits the files at ``params.paths`` (a stand-in for an SFTP or cloud reader)."""

    type: ClassVar[str] = "testing.files"
    produces: ClassVar[Kind | None] = "files"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["paths"],
        "properties": {"paths": {"type": "array", "items": {"type": "string"}}},
    }

    def read(self) -> Iterator[list[FileRef]]:
        yield [FileRef.of(Path(path)) for path in self.params["paths"]]


class CaptureRecords(RecordStep):
    """Keeps what reaches it in ``CAPTURED[step id]`` (a stand-in for a service writer) and passes it on."""

    type: ClassVar[str] = "testing.capture.records"
    params_schema: ClassVar[dict[str, Any]] = {"type": "object"}

    def process_batch(self, items: list[Record]) -> list[Record]:
        CAPTURED.setdefault(self.context.step_id, []).extend(clone(items))
        return items


class CaptureFiles(FileStep):
    """Keeps ``(name, bytes)`` of each file that reaches it in ``CAPTURED[step id]`` and passes it on."""

    type: ClassVar[str] = "testing.capture.files"
    params_schema: ClassVar[dict[str, Any]] = {"type": "object"}

    def process_file(self, file: FileRef) -> FileRef:
        CAPTURED.setdefault(self.context.step_id, []).append((file.name, file.path.read_bytes()))
        return file


TESTING_COMPONENTS: dict[str, type[Component]] = {
    cls.type: cls for cls in (GivenRecords, GivenFiles, CaptureRecords, CaptureFiles)
}


def splice(document: dict[str, Any], replacements: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """A copy of a flow with the named steps' type and params replaced, edges untouched."""
    spliced = clone(document)
    for step in spliced["steps"]:
        if step["id"] in replacements:
            step["type"], step["params"] = replacements[step["id"]]
    return spliced


def run_spliced(
    document: dict[str, Any],
    replacements: dict[str, tuple[str, dict[str, Any]]],
    work_root: Path,
    **options: Any,
) -> dict[str, Any]:
    """Run ``document`` with ``replacements``; returns the job status (what reached captures is in CAPTURED)."""
    CAPTURED.clear()
    registry = default_registry().extended(TESTING_COMPONENTS)
    validated = validate_text(jsonio.dumps_pretty(splice(document, replacements)), "spliced.json", registry=registry)
    if not validated.ok:
        raise FlowInvalid(validated.diagnostics)
    return Runner(validated, RunOptions(work_root=work_root, **options)).run()
