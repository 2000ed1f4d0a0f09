"""Fuzz: broken flow files through ``dataflow validate``: never a traceback, always FILE:LINE:COL findings.

Every file comes from ``mutations.py``: the shipped sample flows mutated (seeded) and a list of hostile
documents (deep nesting, YAML alias bombs and tags, huge strings and numbers, binary, other encodings ...).
Each goes through the command's own entry point; what must hold: it returns (no exception escapes), exit 0
(the mutation happened to keep the flow valid) or 1, and when 1 every line it prints is
``<the file>:<line>:<column>: <message>``. A handful also go through a real ``dataflow validate`` process, where
what must hold is the exit code and an error stream with no traceback in it.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dataflow.cli.main import main
from tests.reliability.figures import check, declare
from tests.reliability.mutations import HOSTILE, FlowCase, mutated

SUITE = "fuzz: flow files"
MUTATED = 300
LONG_MUTATED = 5_000
HOLDS = "dataflow validate returns 0, or 1 with every line FILE:LINE:COL: message; no traceback"
MUTATED_CASE = declare(SUITE, "mutated sample flows (seed 11)", MUTATED, "files", HOLDS)
LONG_CASE = declare(SUITE, "mutated sample flows (seed 12)", LONG_MUTATED, "files", HOLDS, slow=True)
HOSTILE_CASE = declare(SUITE, "hostile documents", len(HOSTILE), "files", HOLDS)
PROCESS_CASE = declare(
    SUITE,
    "hostile documents through a dataflow validate process",
    len(HOSTILE),
    "files",
    "the process exits 1 naming the file with a line and column; nothing on stderr looks like a traceback",
)


def validate(path: Path) -> str | None:
    """What is wrong with how ``dataflow validate PATH`` treated the file, or None."""
    out, err = _stream(), _stream()  # UTF-8 and strict, as a terminal or a pipe is: not a forgiving StringIO
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", str(path)])
            out.flush()
            err.flush()
    except BaseException as escaped:  # what must never happen: this is the traceback a user would see
        return f"raised {type(escaped).__name__}: {str(escaped)[:200]}"
    printed = out.buffer.getvalue().decode(), err.buffer.getvalue().decode()  # type: ignore[attr-defined]
    text = printed[0] + printed[1]
    if "Traceback" in text:
        return "printed a traceback"
    if code == 0:
        return None if "1 flow(s) valid" in text else f"exit 0 without saying valid: {text[:200]!r}"
    if code != 1:
        return f"exit {code}: {text[:200]!r}"
    finding = re.compile(re.escape(str(path)) + r":\d+:\d+: \S")
    lines = [line for line in printed[0].splitlines() if line.strip()]
    wrong = [line for line in lines if not finding.match(line)]
    if not lines or wrong:
        return f"exit 1 but not FILE:LINE:COL findings: {(wrong or [text])[0][:200]!r}"
    return None


def _stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")


def _run(cases: list[FlowCase] | tuple[FlowCase, ...], directory: Path) -> list[str]:
    failures = []
    for number, case in enumerate(cases):
        path = directory / f"case{number}{case.suffix}"
        path.write_bytes(case.content)
        problem = validate(path)
        if problem is not None:
            failures.append(f"{case.name}: {problem}")
    return failures


def test_mutated_sample_flows(tmp_path: Path) -> None:
    check(MUTATED_CASE, _run(mutated(MUTATED, seed=11), tmp_path))


@pytest.mark.slow
def test_mutated_sample_flows_long(tmp_path: Path) -> None:
    check(LONG_CASE, _run(mutated(LONG_MUTATED, seed=12), tmp_path))


def test_hostile_documents(tmp_path: Path) -> None:
    check(HOSTILE_CASE, _run(HOSTILE, tmp_path))


def test_hostile_documents_through_the_command(tmp_path: Path) -> None:
    paths = []
    for number, case in enumerate(HOSTILE):
        paths.append(tmp_path / f"hostile{number}{case.suffix}")
        paths[-1].write_bytes(case.content)
    done = subprocess.run(
        [sys.executable, "-m", "dataflow.cli.main", "validate", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    failures = []
    if done.returncode != 1 or "Traceback" in done.stderr + done.stdout:
        failures = [f"exit {done.returncode}: {done.stderr[-500:]}"] * len(HOSTILE)
    named = {line.split(":", 1)[0] for line in done.stdout.splitlines() if re.match(r".+:\d+:\d+: ", line)}
    failures += [
        f"{case.name}: no FILE:LINE:COL finding" for case, path in zip(HOSTILE, paths, strict=True)
        if str(path) not in named and not failures
    ]  # fmt: skip
    check(PROCESS_CASE, failures[: len(HOSTILE)])
