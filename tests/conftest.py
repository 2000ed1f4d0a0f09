"""Suite-wide isolation: no test reads or writes the operator's own ``DATAFLOW_HOME``.

Tests that need a home of their own still set one; everything else (including subprocesses, which inherit the
environment) lands in a throw-away directory instead of ``~/.local/share/dataflow``, whose store may belong to
another version of the engine.
"""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if "DATAFLOW_HOME" not in os.environ:
        home = tempfile.mkdtemp(prefix="dataflow-test-home-")
        os.environ["DATAFLOW_HOME"] = home
