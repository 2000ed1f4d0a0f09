"""Fixtures for the Gigya components: the real sandbox on loopback, its connection as a job would see it,
and a shortcut that runs a flow through ``Runner`` the way ``dataflow run`` does."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataflow.runtime.runner import Runner, RunOptions
from dataflow.testing import build_component
from dataflow.validation import validate_text
from sandbox.gigya import GigyaSandbox

FAST_RETRIES = {"retryBackoffMs": 1}


def site_environ(sandbox: GigyaSandbox) -> dict[str, str]:
    """What ``dataflow run --site`` puts in the job's environ for this sandbox."""
    return sandbox.environ


@pytest.fixture
def sandbox() -> Iterator[GigyaSandbox]:
    with GigyaSandbox(accounts=300, seed=11) as running:
        yield running


@pytest.fixture
def environ(sandbox: GigyaSandbox) -> dict[str, str]:
    return site_environ(sandbox)


@pytest.fixture
def build(tmp_path: Path, environ: dict[str, str]) -> Any:
    """``build(type, params, **job)``: the component as a job builds it, connected to the sandbox."""

    def make(type_name: str, params: dict[str, Any], **job: Any) -> Any:
        job.setdefault("environ", environ)
        return build_component(type_name, {**FAST_RETRIES, **params}, tmp_path / "work", **job)

    return make


def run_flow(flow: dict[str, Any], tmp_path: Path, **options: Any) -> dict[str, Any]:
    validated = validate_text(json.dumps(flow), "flow.json")
    assert validated.ok, [d.format() for d in validated.diagnostics]
    return Runner(validated, RunOptions(work_root=tmp_path / "jobs", **options)).run()


def read_csv(directory: Path, name: str) -> list[dict[str, str]]:
    with open(directory / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def assert_reconciled(status: dict[str, Any]) -> None:
    for step_id, counts in status["counters"].items():
        assert counts["in"] + counts["added"] == counts["out"] + counts["errors"] + counts["filtered"], (
            step_id,
            counts,
        )
