"""The flow editor's server side: the text as the author wrote it (JSON or YAML), checked by the same
validation as ``dataflow validate`` — so every finding has the line and column of the editor's text — and
drawn as a graph; conversions between the two formats and edits made through a step's param form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from dataflow import jsonio
from dataflow.diagnostics import Diagnostic
from dataflow.loading import DocumentSyntaxError, load_document
from dataflow.registry import Registry
from dataflow.server.console.graph_svg import draw
from dataflow.store import flow_content
from dataflow.validation import validate_text

FORMATS = ("json", "yaml")


@dataclass
class Checked:
    text: str
    format: str
    document: dict[str, Any] | None  # None when the text does not parse as an object
    findings: list[Diagnostic] = field(default_factory=list)
    graph_svg: str = ""

    @property
    def marked_lines(self) -> list[int]:
        return sorted({finding.line for finding in self.findings})


def filename(format_: str) -> str:
    return "flow.yaml" if format_ == "yaml" else "flow.json"


def check(text: str, format_: str, registry: Registry) -> Checked:
    format_ = format_ if format_ in FORMATS else "json"
    validated = validate_text(text, filename(format_), registry=registry)
    try:
        data, _ = load_document(text, filename(format_))
    except DocumentSyntaxError:
        data = None
    document = data if isinstance(data, dict) else None
    svg = ""
    if validated.flow is not None:
        marked = frozenset(d.step_id for d in validated.diagnostics if d.step_id)
        svg = draw(validated.flow, marked)
    return Checked(text, format_, document, validated.diagnostics, svg)


def dump(document: dict[str, Any], format_: str) -> str:
    """The document as editor text; the fields the server manages are left out (they are shown beside it)."""
    content = flow_content(document)
    if format_ == "yaml":
        return yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=110)
    return jsonio.dumps_pretty(content) + "\n"


def step_of(document: dict[str, Any] | None, step_id: str | None) -> dict[str, Any] | None:
    if document is None or not step_id:
        return None
    for step in document.get("steps") or []:
        if isinstance(step, dict) and step.get("id") == step_id:
            return step
    return None


def step_ids(document: dict[str, Any] | None) -> list[str]:
    if document is None:
        return []
    return [s["id"] for s in document.get("steps") or [] if isinstance(s, dict) and isinstance(s.get("id"), str)]


def blank(name: str = "new dataflow") -> dict[str, Any]:
    return {"name": name, "description": "", "steps": []}
