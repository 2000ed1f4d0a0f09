"""The stand-in the conformance suite uses for Gigya components: every example runs against it.

Until the suite's ``gigya_service`` fixture exists this keeps the stand-in honest: the empty site gives readers
nothing, the populated one gives every component's first example something to read, write or look up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dataflow.registry import default_registry
from dataflow.testing import build_component, drive, read_all
from steps.gigya import COMPONENTS
from tests.gigya.service import GigyaStandIn, running

SAMPLE = [
    {"UID": "u1", "GigyaUid": "u1", "EMAIL": "a@example.com", "profile": {"email": "a@example.com"}, "data": {}},
    {"UID": "u2", "GigyaUid": "u2", "EMAIL": "b@example.com", "profile": {"email": "b@example.com"}, "data": {}},
]


@pytest.fixture(scope="module")
def stand_in() -> Iterator[GigyaStandIn]:
    with running() as service:
        yield service


@pytest.mark.parametrize("type_name", sorted(COMPONENTS))
def test_first_example_runs_against_the_stand_in(type_name: str, stand_in: GigyaStandIn, tmp_path: Path) -> None:
    info = default_registry().get(type_name)
    assert info.cls.needs_service == "gigya"
    example = info.schema["examples"][0]
    empty = stand_in.example_params(example)
    populated = stand_in.example_params(example, sample_file="UID\nu1\n")
    if info.cls.consumes is None:
        assert read_all(build_component(type_name, empty, tmp_path / "a")) == []
        assert read_all(build_component(type_name, populated, tmp_path / "b"))
    else:
        assert drive(build_component(type_name, empty, tmp_path / "a"), [[]]) == ([], [])
        emitted, rejected = drive(build_component(type_name, populated, tmp_path / "b"), [[dict(r) for r in SAMPLE]])
        assert emitted and rejected == [], rejected
