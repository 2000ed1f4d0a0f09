"""Changing one thing in a copy of a flow and seeing which of its flow unit tests fail: the proof that a test
file tests its flow (a case no change can fail tests nothing)."""

from __future__ import annotations

import base64
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dataflow.cli.main import main
from dataflow.loading import read_document

Document = dict[str, Any]


def step(document: Document, step_id: str) -> dict[str, Any]:
    return next(s for s in document["steps"] if s["id"] == step_id)


def edit_script(step_id: str, old: str, new: str) -> Callable[[Document], None]:
    """Replace text in a record.evaluate step's (base64) script."""

    def change(document: Document) -> None:
        params = step(document, step_id)["params"]
        script = base64.b64decode(params["script"]).decode()
        assert old in script, f"{old!r} is not in the script of {step_id}"
        params["script"] = base64.b64encode(script.replace(old, new).encode()).decode()

    return change


def set_param(step_id: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Document], None]:
    return lambda document: change(step(document, step_id)["params"])


def insert_after(step_id: str, inserted: dict[str, Any]) -> Callable[[Document], None]:
    """Put ``inserted`` between ``step_id`` and the steps it led to."""

    def change(document: Document) -> None:
        before = step(document, step_id)
        document["steps"].append({**inserted, "next": before["next"]})
        before["next"] = [inserted["id"]]

    return change


def swap_sources(first: str, second: str) -> Callable[[dict[str, Any]], None]:
    def change(params: dict[str, Any]) -> None:
        by_target = {item["targetField"]: item for item in params["fields"]}
        a, b = by_target[first], by_target[second]
        a["sourceField"], b["sourceField"] = b["sourceField"], a["sourceField"]

    return change


@dataclass(frozen=True)
class Mutation:
    flow: str
    what: str
    change: Callable[[Document], None]
    failing: tuple[str, ...]  # the names of the test cases that must fail; the file's others must pass


def check(mutation: Mutation, flows: Path, tests: Path, work: Path, capsys: pytest.CaptureFixture) -> None:
    """The flow from ``flows`` changed, beside its test file from ``tests``: exactly ``mutation.failing`` fail."""
    shutil.copy(tests / f"{mutation.flow}.test.yaml", work)
    document = json.loads((flows / f"{mutation.flow}.json").read_text())
    mutation.change(document)
    (work / f"{mutation.flow}.json").write_text(json.dumps(document, indent=2))
    capsys.readouterr()
    assert main(["test", str(work)]) == 1
    out = capsys.readouterr().out
    failed = re.findall(r"^FAIL \S+:\d+ (.+)$", out, flags=re.MULTILINE)
    passed = re.findall(r"^ok   \S+:\d+ (.+)$", out, flags=re.MULTILINE)
    assert sorted(failed) == sorted(mutation.failing), out
    assert not set(passed) & set(mutation.failing)


def case_names(directory: Path) -> set[str]:
    """The names of every case of the test files in ``directory``."""
    return {case["name"] for path in directory.glob("*.test.yaml") for case in read_document(path)[0]["tests"]}


def failed_by_some(mutations: list[Mutation]) -> set[str]:
    return {name for mutation in mutations for name in mutation.failing}
