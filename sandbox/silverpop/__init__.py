"""A loopback stand-in for IBM Watson Campaign Automation / Acoustic Campaign (formerly Silverpop Engage).

OAuth refresh-token grant, the XML API operations a Gigya <-> Silverpop sync uses, SFTP ``upload/``/``download/``
with asynchronous import/export jobs, seeded data and seeded fault injection. It stands alone: nothing here
imports the dataflow engine. See README.md beside this file.
"""

from __future__ import annotations

from sandbox.silverpop.clock import Clock, ManualClock
from sandbox.silverpop.config import FaultConfig, SilverpopConfig
from sandbox.silverpop.seed import DatabaseSpec, TableSpec
from sandbox.silverpop.server import SilverpopSandbox


def serve(args: object) -> int:
    """The CLI entry (``dataflow sandbox silverpop``); imported lazily so the package import stays light."""
    from sandbox.silverpop.cli import serve as _serve

    return _serve(args)  # type: ignore[arg-type]


__all__ = [
    "Clock",
    "DatabaseSpec",
    "FaultConfig",
    "ManualClock",
    "SilverpopConfig",
    "SilverpopSandbox",
    "TableSpec",
    "serve",
]
