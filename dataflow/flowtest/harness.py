"""Runs one case: the flow validated with the case's variables, its services spliced out, the fed data in,
and what the watched steps emitted out.

The flow is validated as written first, so a change that breaks it fails its tests with the same findings
``dataflow validate`` gives. What only the deployment gives a spliced-out step (a host key or password not set,
a variable or ``${env:...}`` only a writer uses) is not the test's business and is left out; a param that is set
and wrong (an unknown ``action``, a ``fieldMapping`` without the UID column) still fails the case, since the
writer's own settings are all a test can check of a step it does not run.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataflow.diagnostics import Diagnostic
from dataflow.errors import FlowInvalid
from dataflow.flowtest import splicing
from dataflow.flowtest.model import Case, Feed, TestFile
from dataflow.testing import CAPTURED, run_spliced
from dataflow.validation import ValidatedFlow, validate_path

# Findings about a value the deployment fills in (a template variable, an ${env:...} placeholder)
_DEPLOYMENT_CODES = frozenset({"placeholder", "variable"})


@dataclass
class Outcome:
    """What a case's job did: its status and, per watched step, what it emitted and what failed in it."""

    problems: list[str] = field(default_factory=list)  # the flow is invalid, or the job failed
    status: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, list[Any]] = field(default_factory=dict)  # records, or (name, bytes) for files
    errors: dict[str, list[Any]] = field(default_factory=dict)


def run_case(test_file: TestFile, case: Case, steps: dict[str, splicing.StepInfo]) -> Outcome:
    validated = validate_path(test_file.flow_path, case.variables)
    spliced = _spliced_positions(validated, steps)
    findings = [d for d in validated.diagnostics if not _left_to_deployment(d, spliced)]
    if findings or validated.flow is None:
        return Outcome(problems=[f"the flow is invalid: {d.format()}" for d in findings] or ["the flow is invalid"])
    watched = sorted({e.step for e in case.expectations} | set(case.counters))
    watched_errors = sorted({e.step for e in case.expectations if e.errors is not None or e.empty})
    with tempfile.TemporaryDirectory(prefix="dataflow-test-") as scratch:
        work = Path(scratch)
        feeds = {feed.step: _source(feed, work / "in" / str(n)) for n, feed in enumerate(case.feeds)}
        document, replacements = splicing.spliced_document(
            validated.flow.data,
            steps,
            feeds,
            [s for s in watched if steps[s].gives is not None],
            [s for s in watched_errors if steps[s].fails is not None and not steps[s].spliced],
        )
        try:
            status = run_spliced(
                document,
                replacements,
                work / "jobs",
                clock=lambda: case.now,
                job_id=test_file.job_id,
                environ=dict(case.env),
                full_extract=True,
            )
        except FlowInvalid as invalid:  # the splice itself broke the flow: a bug here, said plainly
            return Outcome(problems=[f"the spliced flow is invalid: {d.format()}" for d in invalid.diagnostics])
        outcome = Outcome(status=status)
        if status["status"] != "succeeded":
            outcome.problems.append(f"the job {status['status']}: {status.get('errorMessage', '')}".rstrip(": "))
        for step_id in watched:
            outcome.outputs[step_id] = list(CAPTURED.get(splicing.OUTPUT_PREFIX + step_id, []))
            outcome.errors[step_id] = list(CAPTURED.get(splicing.ERRORS_PREFIX + step_id, []))
        return outcome


def _spliced_positions(validated: ValidatedFlow, steps: dict[str, splicing.StepInfo]) -> set[int]:
    """Where the spliced-out steps are in the file's steps list."""
    flow_steps = validated.flow.steps if validated.flow is not None else []
    return {step.index for step in flow_steps if step.id in steps and steps[step.id].spliced}


def _left_to_deployment(diagnostic: Diagnostic, spliced: set[int]) -> bool:
    """A finding inside a spliced-out step's params about a value not written in the flow.

    Found by the pointer (``/steps/N/params...``), since a missing template variable is found before the steps
    are known and names none. A ``params`` finding counts as "not written" when it is about the params object
    itself (a missing param, "set password or privateKey", no host key), not one param's value.
    """
    parts = diagnostic.pointer.split("/")
    if len(parts) < 4 or parts[1] != "steps" or not parts[2].isdigit() or parts[3] != "params":
        return False
    if int(parts[2]) not in spliced:
        return False
    return diagnostic.code in _DEPLOYMENT_CODES or (diagnostic.code == "params" and len(parts) == 4)


def _source(feed: Feed, directory: Path) -> tuple[str, dict[str, Any]]:
    if feed.files is None:
        return splicing.source("records", records=feed.records)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, given in enumerate(feed.files):
        place = directory / str(index)
        place.mkdir()
        (place / given.name).write_bytes(given.content)
        paths.append(str(place / given.name))
    return splicing.source("files", paths=paths)
