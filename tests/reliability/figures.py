"""Tried/held figures of the reliability suites, and where a run records them.

Every case is declared with a fixed size (seeded generators, fixed record and kill counts), so how much it
*tries* is known without running anything. Running it records how much *held*; the test then asserts that all
of it held, so a case that breaks fails its test, and the figures of a passing run are tried == held.

``python -m tests.reliability.report`` runs the suites with ``DATAFLOW_RELIABILITY_FIGURES`` naming a file, to
which ``record`` appends one JSON line per case run, and renders ``docs/reliability.md`` and
``docs/reliability.json`` from it. Without that variable nothing is written: a plain ``pytest`` run leaves the
tree untouched. ``test_report.py`` checks that the committed figures still match the declared cases.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

FIGURES_ENV = "DATAFLOW_RELIABILITY_FIGURES"


@dataclass(frozen=True)
class Case:
    suite: str
    name: str
    tried: int
    unit: str
    """What is counted: records, kills, flow files, secrets x outputs, payloads ..."""
    checks: str
    """One line for the doc: what has to hold for one unit to count as held."""
    slow: bool = False
    """A long version, left out of the default run (``pytest -m slow``)."""

    @property
    def key(self) -> str:
        return f"{self.suite}/{self.name}"


_DECLARED: dict[str, Case] = {}
_LOCK = threading.Lock()


def declare(suite: str, name: str, tried: int, unit: str, checks: str, slow: bool = False) -> Case:
    case = Case(suite, name, tried, unit, checks, slow)
    with _LOCK:
        if _DECLARED.get(case.key, case) != case:
            raise ValueError(f"reliability case {case.key} is declared twice, differently")
        _DECLARED[case.key] = case
    return case


def declared() -> list[Case]:
    with _LOCK:
        return list(_DECLARED.values())


def record(case: Case, held: int, **observed: Any) -> None:
    """Note how much of ``case`` held (and anything else seen, e.g. faults injected) for the report."""
    target = os.environ.get(FIGURES_ENV)
    if not target:
        return
    line = {**asdict(case), "held": held, "observed": observed}
    with _LOCK, Path(target).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, sort_keys=True) + "\n")


def check(case: Case, failures: list[str], **observed: Any) -> None:
    """Record ``tried - len(failures)`` as held, then fail the test listing (the first few) failures."""
    held = case.tried - len(failures)
    record(case, held, **observed)
    shown = "\n".join(failures[:10])
    more = f"\n... and {len(failures) - 10} more" if len(failures) > 10 else ""
    assert not failures, f"{case.key}: {len(failures)} of {case.tried} {case.unit} did not hold:\n{shown}{more}"
