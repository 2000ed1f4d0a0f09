"""The parts of a test file once read: cases, what each feeds and expects, and where each was written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dataflow.loading import SourceMap

TEST_SUFFIXES = (".test.yaml", ".test.yml", ".test.json")
DEFAULT_NOW = "2024-01-01T00:00:00Z"
DEFAULT_JOB_ID = "test-job"

Path_ = tuple[str | int, ...]  # where something is in the test file
LineOf = Callable[[Path_], int]


def is_test_file(path: Path) -> bool:
    """A flow unit test file (``name.test.yaml``), which lives beside flows but is not one."""
    return path.name.endswith(TEST_SUFFIXES)


@dataclass
class InputFile:
    name: str
    content: bytes


@dataclass
class Feed:
    step: str
    records: list[dict[str, Any]] | None = None
    files: list[InputFile] | None = None


@dataclass
class Expectation:
    step: str
    path: Path_  # where the expectation is written in the test file
    records: list[dict[str, Any]] | None = None
    errors: list[dict[str, Any]] | None = None
    files: list[dict[str, Any]] | None = None
    match: str = "exact"
    ordered: bool = True

    @property
    def empty(self) -> bool:
        return self.records is None and self.errors is None and self.files is None


@dataclass
class Case:
    index: int
    name: str
    line: int
    variables: dict[str, Any]
    env: dict[str, str]
    now: datetime
    feeds: list[Feed] = field(default_factory=list)
    expectations: list[Expectation] = field(default_factory=list)
    counters: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class TestFile:
    __test__ = False  # not a pytest class

    path: Path
    flow_path: Path
    job_id: str
    source_map: SourceMap
    cases: list[Case] = field(default_factory=list)

    def line_of(self, path: Path_) -> int:
        return self.source_map.locate(path).line
