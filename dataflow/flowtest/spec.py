"""Reading a test file into its cases (:mod:`dataflow.flowtest.model`).

A test file is checked whole before anything runs: its schema (``schemas/flowtest.schema.json``), the flow and
config it names, and every step it feeds, expects or counts against the flow's steps. Every problem is a
:class:`Diagnostic` at the test file's line, so a test that names a step the flow no longer has says where.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from dataflow import jsonio, schemas
from dataflow.diagnostics import Diagnostic
from dataflow.flowtest.model import (
    DEFAULT_JOB_ID,
    DEFAULT_NOW,
    Case,
    Expectation,
    Feed,
    InputFile,
    Path_,
    TestFile,
)
from dataflow.loading import DocumentSyntaxError, SourceMap, UnreadableDocument, read_checked, read_document
from dataflow.resources import schemas_dir


@cache
def _validator() -> Any:
    return schemas.validator_for(jsonio.loads((schemas_dir() / "flowtest.schema.json").read_bytes()))


def schema_of_test_files() -> dict[str, Any]:
    return _validator().schema


class _Findings:
    def __init__(self, path: Path, source_map: SourceMap) -> None:
        self.file = str(path)
        self.source_map = source_map
        self.found: list[Diagnostic] = []

    def at(self, path: Path_, message: str, prefer_key: bool = False) -> None:
        position = self.source_map.locate(path, prefer_key=prefer_key)
        pointer = "".join(f"/{part}" for part in path)
        self.found.append(Diagnostic(self.file, position.line, position.column, "test-file", message, pointer))


def load(path: Path, flow_steps: Any) -> tuple[TestFile | None, list[Diagnostic]]:
    """The test file at ``path``, or None with the reasons; ``flow_steps(flow_path)`` gives the flow's steps.

    ``flow_steps`` returns ``{step id: StepInfo}`` or raises ``ValueError`` with a message (missing or broken
    flow): the caller decides how steps are read, this module only checks names and kinds against them.
    """
    try:
        data, source_map = read_document(path)
    except OSError as problem:
        return None, [Diagnostic(str(path), 1, 1, "io", f"cannot read the test file: {problem.strerror}")]
    except DocumentSyntaxError as problem:
        return None, [Diagnostic(str(path), problem.line, problem.column, "syntax", problem.message)]
    findings = _Findings(path, source_map)
    for problem in schemas.problems(_validator(), data, noun="key"):
        findings.at(problem.path, problem.message, prefer_key=problem.at_key)
    if findings.found:
        return None, findings.found
    base = path.parent
    flow_path = base / data["flow"]
    try:
        steps = flow_steps(flow_path)
    except ValueError as problem:
        findings.at(("flow",), str(problem))
        return None, findings.found
    file_variables = _config(findings, base, data.get("config"))
    file_variables.update(data.get("variables", {}))
    test_file = TestFile(path, flow_path, data.get("jobId", DEFAULT_JOB_ID), source_map)
    file_now = _now(findings, ("now",), data.get("now", DEFAULT_NOW))
    names: dict[str, int] = {}
    for index, raw in enumerate(data["tests"]):
        where: Path_ = ("tests", index)
        if raw["name"] in names:
            findings.at((*where, "name"), f"a case named {raw['name']!r} is already on line {names[raw['name']]}")
        names.setdefault(raw["name"], source_map.locate((*where, "name")).line)
        case = Case(
            index=index,
            name=raw["name"],
            line=source_map.locate(where).line,
            variables={**file_variables, **raw.get("variables", {})},
            env={**data.get("env", {}), **raw.get("env", {})},
            now=_now(findings, (*where, "now"), raw["now"]) if "now" in raw else file_now,
        )
        _feeds(findings, base, case, raw.get("feed"), (*where, "feed"), steps)
        _expectations(findings, case, raw.get("expect", {}), (*where, "expect"), steps)
        for step_id, counts in raw.get("counters", {}).items():
            _known_step(findings, step_id, (*where, "counters", step_id), steps, at_key=True)
            case.counters[step_id] = counts
        test_file.cases.append(case)
    return (None if findings.found else test_file), findings.found


def _config(findings: _Findings, base: Path, name: str | None) -> dict[str, Any]:
    if name is None:
        return {}
    try:
        data, _ = read_checked(base / name)
    except UnreadableDocument as problem:
        findings.at(("config",), str(problem))
        return {}
    if not isinstance(data, dict):
        findings.at(("config",), f"the config file {base / name} must hold a mapping of variable names to values")
        return {}
    return data


def _now(findings: _Findings, path: Path_, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        findings.at(path, f"'now' is not a date and time: {text!r}")
        return datetime(2024, 1, 1, tzinfo=UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _known_step(findings: _Findings, step_id: str, path: Path_, steps: dict[str, Any], at_key: bool = False) -> bool:
    if step_id in steps:
        return True
    hint = difflib.get_close_matches(step_id, list(steps), n=1, cutoff=0.6)
    suffix = f"; did you mean '{hint[0]}'?" if hint else f"; its steps: {', '.join(steps) or 'none'}"
    findings.at(path, f"the flow has no step '{step_id}'{suffix}", prefer_key=at_key)
    return False


def _feeds(findings: _Findings, base: Path, case: Case, raw: Any, path: Path_, steps: dict[str, Any]) -> None:
    if raw is None:
        return
    items = [(raw, path)] if isinstance(raw, dict) else [(item, (*path, i)) for i, item in enumerate(raw)]
    for item, where in items:
        step_id = item.get("step") or _only_reader(findings, where, steps)
        if step_id is None or not _known_step(findings, step_id, (*where, "step"), steps):
            continue
        if any(feed.step == step_id for feed in case.feeds):
            findings.at(where, f"step '{step_id}' is fed twice in this case; give all its input in one feed")
            continue
        if ("records" in item) == ("files" in item):
            findings.at(where, "a feed gives either records or files")
            continue
        kind = "records" if "records" in item else "files"
        wanted = steps[step_id].takes
        if wanted is not None and wanted != kind:
            findings.at((*where, kind), f"step '{step_id}' takes {wanted}, not {kind}")
            continue
        feed = Feed(step_id)
        if kind == "records":
            feed.records = item["records"]
        else:
            feed.files = [_input_file(findings, base, f, (*where, "files", i)) for i, f in enumerate(item["files"])]
        case.feeds.append(feed)


def _only_reader(findings: _Findings, where: Path_, steps: dict[str, Any]) -> str | None:
    readers = [step_id for step_id, info in steps.items() if info.is_reader]
    if len(readers) == 1:
        return readers[0]
    findings.at(where, f"name the step to feed: the flow has {len(readers)} readers ({', '.join(readers) or 'none'})")
    return None


def _input_file(findings: _Findings, base: Path, raw: dict[str, Any], where: Path_) -> InputFile:
    if ("content" in raw) == ("path" in raw):
        findings.at(where, "a fed file has either content or path")
        return InputFile(raw.get("name", "file"), b"")
    if "content" in raw:
        if "name" not in raw:
            findings.at(where, "a fed file with content needs a name")
        return InputFile(raw.get("name", "file"), raw["content"].encode("utf-8"))
    source = base / raw["path"]
    try:
        content = source.read_bytes()
    except OSError as problem:
        findings.at((*where, "path"), f"cannot read {source}: {problem.strerror}")
        content = b""
    return InputFile(raw.get("name", source.name), content)


def _expectations(findings: _Findings, case: Case, raw: dict[str, Any], path: Path_, steps: dict[str, Any]) -> None:
    for step_id, spec in raw.items():
        where = (*path, step_id)
        if not _known_step(findings, step_id, where, steps, at_key=True):
            continue
        info = steps[step_id]
        if "records" in spec and "files" in spec:
            findings.at(where, "expect either records or files of a step, not both")
        gives = info.gives
        for kind in ("records", "files"):
            if kind in spec and gives is not None and gives != kind:
                findings.at((*where, kind), f"step '{step_id}' emits {gives}, not {kind}")
        case.expectations.append(
            Expectation(
                step=step_id,
                path=where,
                records=spec.get("records"),
                errors=spec.get("errors"),
                files=spec.get("files"),
                match=spec.get("match", "exact"),
                ordered=spec.get("ordered", True),
            )
        )
