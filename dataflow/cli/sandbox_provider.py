"""What a stand-in started by ``dataflow run FLOW --sandbox`` gives the run: the extension point of ``sandbox_run``.

A provider starts one stand-in (seeded from the Gigya demo site where an inbound flow needs something to read),
says how the job reaches it (environment variables for the secrets the example configuration names as
``${env:…}``, and the ``{{variables}}`` of the sample flows), and sums up what it holds once the job is done.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import yaml

from dataflow.resources import flows_dir


@dataclass
class Attached:
    """A stand-in a provider started for one run: how the job reaches it, and what it holds once the job is done."""

    name: str  # as the user reads it: "Mailchimp"
    service: Any  # the running stand-in (tests read it back through the partner's own client)
    environ: dict[str, str]
    variables: dict[str, Any]
    summary: Callable[[], list[str]]


class SandboxProvider(Protocol):
    """Starts one stand-in for a ``--sandbox`` run, seeded from the Gigya demo site, and stops it afterwards."""

    name: str

    def start(self, gigya: Any) -> AbstractContextManager[Attached]: ...


def example_config(directory: str) -> dict[str, Any]:
    """The ``customer.example.yaml`` beside the sample flows in ``flows/<directory>``."""
    path = flows_dir() / directory / "customer.example.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
