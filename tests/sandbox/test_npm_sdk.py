"""An independent client: the official Node SDK (npm ``gigya`` 3.x) drives the sandbox via its transport hook.

Needs ``node`` and ``npm``; installs ``tests/sandbox/npm`` from its lock file when ``node_modules`` is missing
(CI runs ``npm ci`` there first). Skipped without node, except under CI where a missing node is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sandbox.gigya import GigyaSandbox

NPM_DIR = Path(__file__).parent / "npm"


def _node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        if os.environ.get("CI"):
            pytest.fail("node and npm are required for the Node SDK check")
        pytest.skip("node/npm not installed")
    if not (NPM_DIR / "node_modules" / "gigya").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NPM_DIR, check=True, timeout=600)
    return node


def run_driver(script: str, *args: str) -> dict:
    """Runs one of the Node drivers in ``npm/`` and returns the JSON object it prints."""
    completed = subprocess.run(
        [_node(), script, *args], cwd=NPM_DIR, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads(completed.stdout)


def test_the_node_sdk_searches_with_a_cursor_writes_reads_and_is_refused_a_wrong_secret(
    gigya_sandbox: GigyaSandbox,
) -> None:
    credentials = gigya_sandbox.credentials
    result = run_driver(
        "driver.js", gigya_sandbox.url, credentials["apiKey"], credentials["userKey"], credentials["secret"]
    )
    assert (result["pages"], result["read"], result["unique"], result["totalCount"]) == (10, 200, 200, 200)
    assert (result["firstName"], result["nodeCheck"]) == ("Node", "yes")
    assert result["wrongSecretCode"] == 403003
    assert result["partnerSecretUID"] == gigya_sandbox.uid(0)
    assert "sig" in result["signedKeys"] and "secret" not in result["signedKeys"]  # it really signed
    assert result["hosts"] == ["accounts.us1.gigya.com"]
    stored = gigya_sandbox.account(gigya_sandbox.uid(0))
    assert stored["profile"]["firstName"] == "Node" and stored["data"]["nodeCheck"] == "yes"
    assert stored["lastUpdatedTimestamp"] == result["lastUpdatedTimestamp"]
