"""Finding test files, running their cases and keeping each case's result for the report and JUnit XML."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dataflow.diagnostics import Diagnostic
from dataflow.flowtest import compare, spec, splicing, update
from dataflow.flowtest.harness import run_case
from dataflow.flowtest.model import is_test_file
from dataflow.loading import read_document

SKIPPED_DIRS = frozenset({"node_modules", "__pycache__"})


@dataclass
class CaseResult:
    name: str
    line: int
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    updated: int = 0  # expectations rewritten by --update

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class FileResult:
    path: Path
    problems: list[Diagnostic] = field(default_factory=list)  # a bad test file: nothing ran
    cases: list[CaseResult] = field(default_factory=list)
    seconds: float = 0.0


def discover(paths: list[str]) -> list[Path]:
    """Test files named, and those under named directories (hidden directories and node_modules skipped)."""
    found: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found.extend(sorted(p for p in _walk(path) if is_test_file(p)))
        else:
            found.append(path)
    return found


def _walk(directory: Path) -> Iterator[Path]:
    for entry in sorted(directory.iterdir()):
        if entry.is_dir():
            if not entry.name.startswith(".") and entry.name not in SKIPPED_DIRS:
                yield from _walk(entry)
        elif entry.is_file():
            yield entry


def run_file(
    path: Path,
    selected: Callable[[str], bool] = lambda name: True,
    rewrite: bool = False,
) -> FileResult:
    started = time.perf_counter()
    result = FileResult(path)
    steps: dict[str, splicing.StepInfo] = {}

    def read_steps(flow: Path) -> dict[str, splicing.StepInfo]:
        steps.update(splicing.flow_steps(flow))
        return steps

    test_file, result.problems = spec.load(path, read_steps)
    if test_file is None:
        result.seconds = time.perf_counter() - started
        return result
    pending: list[update.Change] = []
    current = read_document(path)[0] if rewrite else None
    for case in test_file.cases:
        if not selected(case.name):
            continue
        case_started = time.perf_counter()
        outcome = run_case(test_file, case, steps)
        outcome_result = CaseResult(case.name, case.line)
        if rewrite and not outcome.problems:
            found = update.changes(case, outcome, current)
            pending.extend(found)
            outcome_result.updated = len(found)
        else:
            outcome_result.failures = compare.compare(case, outcome, test_file.line_of)
        outcome_result.seconds = time.perf_counter() - case_started
        result.cases.append(outcome_result)
    if pending:
        update.apply(path, pending)
    result.seconds = time.perf_counter() - started
    return result
