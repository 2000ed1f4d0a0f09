"""Dask clusters for the executor tests, and a way to run one flow both in-process and partitioned.

The threaded cluster (``processes=False``) is shared by the module's tests: it starts in well under a second and
runs partitions in this process, so it is what most tests use. Tests that need real worker processes (pickling
end to end, a worker killed mid-job) start their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dataflow import jsonio
from dataflow.registry import Registry
from dataflow.runtime.dask_executor import DaskExecutor
from dataflow.runtime.partitioned import make_runner
from dataflow.runtime.runner import RunOptions
from dataflow.validation import validate_text
from tests.dask.components import registry


@pytest.fixture(scope="package")
def threaded_dask() -> Iterator[DaskExecutor]:
    with DaskExecutor(workers=2, processes=False) as executor:
        executor.client  # noqa: B018 - start the cluster once for the package
        yield executor


@dataclass
class Outcome:
    status: dict[str, Any]
    out: Path

    def file(self, name: str) -> bytes:
        return (self.out / name).read_bytes()

    def names(self) -> list[str]:
        return sorted(path.name for path in self.out.iterdir()) if self.out.is_dir() else []

    def errors(self) -> list[dict[str, Any]]:
        """The job's error file entries without their time (the only field one run cannot reproduce)."""
        if not self.status["errorFile"]:
            return []
        lines = Path(self.status["errorFile"]).read_text(encoding="utf-8").splitlines()
        return [{k: v for k, v in jsonio.loads(line).items() if k != "time"} for line in lines]


def run_both(
    make_flow: Any, tmp_path: Path, executor: DaskExecutor, components: Registry | None = None, **options: Any
) -> tuple[Outcome, Outcome]:
    """``make_flow(out_dir)`` run in-process and then partitioned on ``executor``, each writing its own out dir."""
    outcomes = []
    for label, chosen in (("single", None), ("partitioned", executor)):
        out = tmp_path / f"out-{label}"
        validated = validate_text(json.dumps(make_flow(out)), f"{label}.json", registry=components or registry())
        assert validated.ok, [d.format() for d in validated.diagnostics]
        run_options = RunOptions(work_root=tmp_path / f"jobs-{label}", executor=chosen, **options)
        outcomes.append(Outcome(make_runner(validated, run_options).run(), out))
    return outcomes[0], outcomes[1]
