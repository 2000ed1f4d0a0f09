"""Helpers for testing components outside a full job: build one with a real job context and drive it.

Third-party component packages can use these in their own tests, as the conformance suite does.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from dataflow import placeholders, schemas
from dataflow.clock import utc_now
from dataflow.component import Component
from dataflow.registry import Registry, default_registry
from dataflow.runtime.context import JobContext, StepContext
from dataflow.runtime.redaction import Redactor
from dataflow.runtime.trace import Trace


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
