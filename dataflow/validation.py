"""Loading and validating a dataflow file: every problem is found and reported, not only the first.

Order of work: parse (JSON/YAML, with positions) → fill ``{{variables}}`` → dataflow schema → per step:
known type, params schema, placeholders → graph: duplicate ids, dangling edges, entry points, cycles,
unreachable steps, kinds on every edge.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataflow import placeholders, schemas, variables
from dataflow.component import failure_kind
from dataflow.diagnostics import Diagnostic
from dataflow.graph import FlowGraph
from dataflow.loading import DocumentSyntaxError, Position, SourceMap, load_document, read_document, value_at
from dataflow.model import Dataflow, Step, build
from dataflow.registry import ComponentInfo, Registry, UnknownComponent, default_registry


@dataclass
class ValidatedFlow:
    flow: Dataflow | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    components: dict[str, ComponentInfo] = field(default_factory=dict)
    graph: FlowGraph | None = None

    @property
    def ok(self) -> bool:
        return self.flow is not None and not self.diagnostics


def validate_path(
    path: Path, variables_: Mapping[str, Any] | None = None, registry: Registry | None = None
) -> ValidatedFlow:
    try:
        data, source_map = read_document(path)
        text = path.read_text(encoding="utf-8-sig")
    except DocumentSyntaxError as problem:
        return _syntax_failure(str(path), problem)
    except OSError as problem:
        return ValidatedFlow(None, [Diagnostic(str(path), 1, 1, "io", f"cannot read the file: {problem.strerror}")])
    return validate_data(str(path), data, source_map, variables_, registry, text=text)


def validate_text(
    text: str, filename: str, variables_: Mapping[str, Any] | None = None, registry: Registry | None = None
) -> ValidatedFlow:
    try:
        data, source_map = load_document(text, filename)
    except DocumentSyntaxError as problem:
        return _syntax_failure(filename, problem)
    return validate_data(filename, data, source_map, variables_, registry, text=text.removeprefix("\ufeff"))


def _syntax_failure(filename: str, problem: DocumentSyntaxError) -> ValidatedFlow:
    return ValidatedFlow(None, [Diagnostic(filename, problem.line, problem.column, "syntax", problem.message)])


def validate_data(
    filename: str,
    data: Any,
    source_map: SourceMap,
    variables_: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
    text: str | None = None,
) -> ValidatedFlow:
    registry = registry or default_registry()
    checker = _Checker(filename, source_map, text)
    data, missing = variables.fill(data, variables_ or {})
    for gap in missing:
        checker.at(
            gap.path,
            "variable",
            f"template variable {{{{{gap.name}}}}} has no value; pass --param {gap.name}=VALUE or --config FILE",
        )
    flow = build(filename, data, source_map)
    checker.flow = flow
    for problem in schemas.problems(schemas.dataflow_validator(), data):
        checker.at(problem.path, "schema", problem.message, prefer_key=problem.at_key)
    result = ValidatedFlow(flow)
    for step in flow.steps:
        info = _check_step(checker, registry, step)
        if info is not None:
            result.components[step.id] = info
    result.graph = _check_graph(checker, flow, result.components)
    result.diagnostics = checker.found
    return result


class _Checker:
    def __init__(self, filename: str, source_map: SourceMap, text: str | None = None) -> None:
        self.filename = filename
        self.source_map = source_map
        self.lines = text.splitlines() if text is not None else []
        self.found: list[Diagnostic] = []
        self.flow: Dataflow | None = None
        self._seen: set[tuple[str, str]] = set()

    def at(
        self,
        path: tuple[str | int, ...],
        code: str,
        message: str,
        step: Step | None = None,
        prefer_key: bool = False,
        inside: tuple[str, int] | None = None,
    ) -> None:
        """Record a finding at ``path``; ``inside`` = (string value, offset) points into the string when possible."""
        step_id, step_type = (step.id, step.type) if step else self._label(path)
        pointer = Dataflow.pointer(path)
        if (pointer, message) in self._seen:
            return
        self._seen.add((pointer, message))
        position = self.source_map.locate(path, prefer_key=prefer_key)
        if inside is not None:
            position = self._inside(position, *inside)
        self.found.append(
            Diagnostic(
                file=self.filename,
                line=position.line,
                column=position.column,
                code=code,
                message=message,
                pointer=pointer,
                step_id=step_id,
                step_type=step_type,
            )
        )

    def _inside(self, start: Position, value: str, offset: int) -> Position:
        """The column of ``value[offset]`` when the file spells the string without escapes before it."""
        if not 0 < start.line <= len(self.lines):
            return start
        line = self.lines[start.line - 1]
        snippet = value[offset : offset + 12]
        for skip in (1, 0):  # a quoted string (JSON, quoted YAML) or a plain YAML scalar
            index = start.column - 1 + skip + offset
            if snippet and line.startswith(snippet, index) and line.startswith(value[:offset], index - offset):
                return Position(start.line, index + 1)
        return start

    def _label(self, path: tuple[str | int, ...]) -> tuple[str | None, str | None]:
        """Step id and type for a finding inside ``steps[i]``, read from the raw data (the step may be malformed)."""
        if self.flow is None or len(path) < 2 or path[0] != "steps":
            return None, None
        raw_steps = self.flow.data.get("steps")
        index = path[1]
        if not isinstance(raw_steps, list) or not isinstance(index, int) or index >= len(raw_steps):
            return None, None
        raw = raw_steps[index]
        if not isinstance(raw, dict):
            return None, None
        step_id, step_type = raw.get("id"), raw.get("type")
        return (
            step_id if isinstance(step_id, str) else None,
            step_type if isinstance(step_type, str) else None,
        )


def _check_step(checker: _Checker, registry: Registry, step: Step) -> ComponentInfo | None:
    try:
        info = registry.get(step.type)
    except UnknownComponent as unknown:
        checker.at((*step.path, "type"), "unknown-type", str(unknown), step)
        return None
    except Exception as broken:  # an installed component that cannot load (missing dependency, bad schema)
        reason = f"{type(broken).__name__}: {broken}"
        checker.at((*step.path, "type"), "component-load", f"component '{step.type}' cannot be loaded: {reason}", step)
        return None
    params_path = (*step.path, "params")
    validator = schemas.validator_for(info.schema)
    found = list(schemas.problems(validator, step.params, noun="param"))
    for problem in found:
        checker.at((*params_path, *problem.path), "params", problem.message, step, prefer_key=problem.at_key)
    if not found:
        _check_component_params(checker, step, info, params_path)
    for name, value in step.params.items():
        if name in info.cls.raw_params:
            continue
        _check_placeholders(checker, step, (*params_path, name), value)
    return info


def _check_component_params(
    checker: _Checker, step: Step, info: ComponentInfo, params_path: tuple[str | int, ...]
) -> None:
    try:
        problems = list(info.cls.check_params(schemas.with_defaults(info.schema, step.params)))
    except Exception as broken:  # a bug in the component's own check must not hide the rest of the report
        checker.at(params_path, "params", f"params check failed: {type(broken).__name__}: {broken}", step)
        return
    for problem in problems:
        path = (*params_path, *problem.path)
        inside = None
        if problem.offset is not None:
            value = value_at(step.params, problem.path)
            if isinstance(value, str):
                inside = (value, problem.offset)
        checker.at(path, "params", problem.message, step, inside=inside)


def _check_placeholders(checker: _Checker, step: Step, path: tuple[str | int, ...], value: Any) -> None:
    if isinstance(value, str):
        for problem in placeholders.find_errors(value):
            checker.at(path, "placeholder", str(problem), step, inside=(value, problem.offset))
    elif isinstance(value, dict):
        for key, child in value.items():
            _check_placeholders(checker, step, (*path, key), child)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _check_placeholders(checker, step, (*path, index), child)


def _check_graph(checker: _Checker, flow: Dataflow, components: dict[str, ComponentInfo]) -> FlowGraph | None:
    ids: dict[str, Step] = {}
    for step in flow.steps:
        if step.id in ids:
            first = ids[step.id]
            line = checker.source_map.locate((*first.path, "id")).line
            checker.at((*step.path, "id"), "duplicate-id", f"duplicate step id (first defined on line {line})", step)
        else:
            ids[step.id] = step
    for step in flow.steps:
        for path in ("next", "error"):
            for index, target in enumerate(getattr(step, path)):
                if target not in ids:
                    hint = _suggest(target, list(ids))
                    checker.at(
                        (*step.path, path, index),
                        "missing-step",
                        f"'{path}' names step '{target}', which does not exist{hint}",
                        step,
                    )
    graph = FlowGraph(flow)
    if not flow.steps:
        return graph
    entries = graph.entry_points
    if not entries:
        checker.at(("steps",), "no-entry", "no entry point: every step is named in another step's next or error")
    for found in graph.cycles():
        first = min(range(len(found)), key=lambda i: ids[found[i]].index)  # start where the file starts it
        cycle = found[first:] + found[:first]
        closing = ids[cycle[-1]]
        route = " → ".join([*cycle, cycle[0]])
        edge_path = _edge_path(closing, cycle[0])
        checker.at(edge_path, "cycle", f"cycle: {route}", closing)
    for node in graph.unreachable():
        if entries:
            checker.at(
                (*ids[node].path, "id"),
                "unreachable",
                "unreachable: no entry point leads to this step",
                ids[node],
            )
    _check_kinds(checker, flow, graph, components, ids)
    return graph


def _edge_path(step: Step, target: str) -> tuple[str | int, ...]:
    for path in ("next", "error"):
        targets = getattr(step, path)
        if target in targets:
            return (*step.path, path, targets.index(target))
    return step.path


def _check_kinds(
    checker: _Checker,
    flow: Dataflow,
    graph: FlowGraph,
    components: dict[str, ComponentInfo],
    ids: dict[str, Step],
) -> None:
    for entry in graph.entry_points:
        info = components.get(entry)
        if info is not None and info.cls.consumes is not None:
            checker.at(
                (*ids[entry].path, "id"),
                "kind-mismatch",
                f"entry point needs {info.cls.consumes} from an upstream step, but no step leads to it",
                ids[entry],
            )
    for step in flow.steps:
        info = components.get(step.id)
        if info is None:
            continue
        for path in ("next", "error"):
            carried = info.cls.produces if path == "next" else failure_kind(info.cls)
            for index, target in enumerate(getattr(step, path)):
                target_info = components.get(target)
                if target not in ids or target_info is None:
                    continue
                edge = (*step.path, path, index)
                if carried is None:
                    checker.at(
                        edge,
                        "kind-mismatch",
                        f"{step.type} produces nothing, so it cannot have '{path}'",
                        step,
                    )
                elif target_info.cls.consumes is None:
                    checker.at(
                        edge,
                        "kind-mismatch",
                        f"'{target}' ({target_info.type}) is a reader and takes no input",
                        step,
                    )
                elif target_info.cls.consumes != carried:
                    what = "sends" if path == "next" else "sends failed"
                    checker.at(
                        edge,
                        "kind-mismatch",
                        f"{what} {carried} to '{target}' ({target_info.type}), "
                        f"which consumes {target_info.cls.consumes}",
                        step,
                    )


def _suggest(name: str, candidates: list[str]) -> str:
    hint = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean '{hint[0]}'?" if hint else ""
