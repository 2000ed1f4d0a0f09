"""A loopback stand-in for Gigya's REST API (accounts, ds, audit, gm) for tests, benchmarks and ``--sandbox`` runs.

Stands alone: nothing here imports the engine (``dataflow``) or the components (``steps``).
"""

from __future__ import annotations

from sandbox.gigya.clock import Clock, ManualClock
from sandbox.gigya.config import SandboxConfig
from sandbox.gigya.errors import GigyaError
from sandbox.gigya.faults import FaultSettings
from sandbox.gigya.server import GigyaSandbox

__all__ = ["Clock", "FaultSettings", "GigyaError", "GigyaSandbox", "ManualClock", "SandboxConfig"]
