"""Which steps of a flow a test splices out, and the document a case runs.

A step that talks to the outside (every ``datasource.*`` type, and any component that declares
``needs_service``) never runs in a test: a reader becomes a source of the fed records or files (or of nothing),
any other such step a capture that passes on what reaches it. What a case expects of a step is caught by a
capture added after it (``next``) and, for errors, on its ``error`` path. The components are the ones in
:mod:`dataflow.testing`, so a flow runs here exactly as ``run_spliced`` runs it in the project's own tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataflow.component import Kind, failure_kind
from dataflow.fieldpath import clone
from dataflow.loading import read_checked
from dataflow.model import build
from dataflow.registry import Registry, default_registry

OUTPUT_PREFIX = "__out__"
ERRORS_PREFIX = "__errors__"
FEED_PREFIX = "__feed__"


@dataclass(frozen=True)
class StepInfo:
    """What a test needs to know of one step of the flow under test."""

    id: str
    type: str
    known: bool
    consumes: Kind | None = None
    produces: Kind | None = None
    fails: Kind | None = None
    spliced: bool = False

    @property
    def is_reader(self) -> bool:
        return self.known and self.consumes is None

    @property
    def takes(self) -> Kind | None:
        """What may be fed to the step: what a reader would have read, else what the step consumes."""
        return self.produces if self.is_reader else self.consumes

    @property
    def gives(self) -> Kind | None:
        """What the step emits in a test: a spliced writer or lookup passes on what it receives."""
        return self.consumes if self.spliced and not self.is_reader else self.produces


def is_spliced(type_name: str, component: Any) -> bool:
    return type_name.startswith("datasource.") or getattr(component, "needs_service", None) is not None


def flow_steps(path: Path, registry: Registry | None = None) -> dict[str, StepInfo]:
    """The steps of the flow at ``path`` by id; ``ValueError`` names a missing or unreadable flow."""
    registry = registry or default_registry()
    data, source_map = read_checked(path)  # an UnreadableDocument is a ValueError naming the file
    flow = build(str(path), data, source_map)
    if not isinstance(flow.data.get("steps"), list):
        raise ValueError(f"{path} is not a dataflow: it has no steps list")
    steps: dict[str, StepInfo] = {}
    for step in flow.steps:
        try:
            component = registry.component(step.type)
        except Exception:  # unknown or broken: the case's validation of the flow will say so
            steps[step.id] = StepInfo(step.id, step.type, known=False)
            continue
        steps[step.id] = StepInfo(
            step.id,
            step.type,
            known=True,
            consumes=component.consumes,
            produces=component.produces,
            fails=failure_kind(component),
            spliced=is_spliced(step.type, component),
        )
    return steps


def source(kind: Kind | None, records: list[dict[str, Any]] | None = None, paths: list[str] | None = None):
    if kind == "files":
        return ("testing.files", {"paths": paths or []})
    return ("testing.records", {"records": records or []})


def capture(kind: Kind | None) -> tuple[str, dict[str, Any]]:
    return ("testing.capture.files" if kind == "files" else "testing.capture.records", {})


def spliced_document(
    document: dict[str, Any],
    steps: dict[str, StepInfo],
    feeds: dict[str, tuple[str, dict[str, Any]]],
    watched: list[str],
    watched_errors: list[str],
) -> tuple[dict[str, Any], dict[str, tuple[str, dict[str, Any]]]]:
    """The document to run and the replacements for ``run_spliced``.

    ``feeds`` maps a fed step to its source; ``watched`` are steps whose output is captured, ``watched_errors``
    steps whose error path is.
    """
    document = clone(document)
    by_id = {step["id"]: step for step in document["steps"] if isinstance(step, dict) and "id" in step}
    replacements: dict[str, tuple[str, dict[str, Any]]] = {}
    for step_id, info in steps.items():
        if not info.spliced:
            continue
        if info.is_reader:
            replacements[step_id] = feeds.get(step_id) or source(info.produces)
        else:
            replacements[step_id] = capture(info.consumes)
    added: list[dict[str, Any]] = []
    for step_id, (kind, params) in feeds.items():
        if steps[step_id].is_reader:
            replacements[step_id] = (kind, params)
        else:
            added.append({"id": FEED_PREFIX + step_id, "type": kind, "params": params, "next": [step_id]})
    for step_id in watched:
        by_id[step_id]["next"] = [*(by_id[step_id].get("next") or []), OUTPUT_PREFIX + step_id]
        added.append(_capture_step(OUTPUT_PREFIX + step_id, steps[step_id].gives))
    for step_id in watched_errors:
        by_id[step_id]["error"] = [*(by_id[step_id].get("error") or []), ERRORS_PREFIX + step_id]
        added.append(_capture_step(ERRORS_PREFIX + step_id, steps[step_id].fails))
    document["steps"] = [*document["steps"], *added]
    return document, replacements


def _capture_step(step_id: str, kind: Kind | None) -> dict[str, Any]:
    type_name, params = capture(kind)
    return {"id": step_id, "type": type_name, "params": params}
