"""Fixtures for the Silverpop components: both sandboxes on loopback, connection params, and flow runners.

The Silverpop sandbox runs on the real clock here with short job phases and a fast ticker, because the
components poll GetJobStatus like a real client and must see jobs finish on their own. Its databases add the
columns the sample flows write (newsletter Yes/No fields, a phone, scoring) to the default "Gigya Master".
"""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from dataflow.registry import Registry, default_registry
from dataflow.runtime.runner import Runner, RunOptions
from dataflow.testing import build_component
from dataflow.validation import validate_text
from sandbox.gigya import GigyaSandbox
from sandbox.silverpop import FaultConfig, SilverpopConfig, SilverpopSandbox
from sandbox.silverpop.clock import Clock
from sandbox.silverpop.seed import INTEGRATION_DATABASES
from steps.silverpop import COMPONENTS, xmlapi
from steps.silverpop.client import SilverpopClient
from steps.silverpop.read import ReadSilverpop
from steps.silverpop.settings import resolve
from steps.silverpop.write_list import WriteSilverpop
from steps.silverpop.write_remove import RemoveSilverpopContacts
from steps.silverpop.write_table import WriteSilverpopTable

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows" / "silverpop"
TEMPLATES = ROOT.parent / "shared" / "reference" / "templates"
CLASSES = {cls.type: cls for cls in (WriteSilverpop, WriteSilverpopTable, ReadSilverpop, RemoveSilverpopContacts)}
assert set(CLASSES) == set(COMPONENTS)
REGISTRY: Registry = default_registry().extended(CLASSES)

DATABASES = INTEGRATION_DATABASES
FAST = {"retryBackoffMs": 1, "jobPollSeconds": 0.02}


def host_key_fingerprint(host: str, port: int) -> str:
    async def fetch() -> str:
        key = await asyncssh.get_server_host_key(host, port)
        assert key is not None
        return key.get_fingerprint("sha256")

    return asyncio.run(fetch())


SandboxFactory = Callable[..., SilverpopSandbox]


@pytest.fixture
def sp_factory() -> Iterator[SandboxFactory]:
    """``factory(faults=None, **config)`` -> a started Silverpop sandbox on the real clock; stopped afterwards."""
    started: list[SilverpopSandbox] = []

    def make(faults: FaultConfig | None = None, **fields: Any) -> SilverpopSandbox:
        fields.setdefault("job_waiting_s", 0.05)
        fields.setdefault("job_running_s", 0.05)
        fields.setdefault("contacts", 0)
        fields.setdefault("databases", DATABASES)
        config = SilverpopConfig(faults=faults or FaultConfig(), **fields)
        sandbox = SilverpopSandbox(config, clock=Clock(), tick_s=0.02).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sp(sp_factory: SandboxFactory) -> SilverpopSandbox:
    return sp_factory()


def connection(sandbox: SilverpopSandbox, oauth: bool = True, **extra: Any) -> dict[str, Any]:
    """Connection params of a Silverpop step pointed at the sandbox (SFTP as ``oauth`` unless told otherwise)."""
    config = sandbox.config
    params: dict[str, Any] = {
        "clientId": config.client_id,
        "clientSecret": config.client_secret,
        "refreshToken": config.refresh_token,
        "apiUrl": sandbox.url,
        "host": sandbox.host,
        "port": sandbox.sftp_port,
        "hostKeyFingerprint": host_key_fingerprint(sandbox.host, sandbox.sftp_port),
        **FAST,
    }
    if not oauth:
        params.update(username=config.sftp_username, password=config.sftp_password)
    params.update(extra)
    return params


def build(type_name: str, params: dict[str, Any], work: Path, **job: Any) -> Any:
    return build_component(type_name, params, work, registry=REGISTRY, **job)


def gigya_environ(sandbox: GigyaSandbox) -> dict[str, str]:
    return sandbox.environ


@pytest.fixture
def gigya_factory() -> Iterator[Callable[..., GigyaSandbox]]:
    started: list[GigyaSandbox] = []

    def make(accounts: int = 40, seed: int = 3, **options: Any) -> GigyaSandbox:
        sandbox = GigyaSandbox(accounts=accounts, seed=seed, **options).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


def run_document(
    document: dict[str, Any], work: Path, variables: dict[str, Any] | None = None, **options: Any
) -> tuple[dict[str, Any], Runner]:
    """Validate and run a flow document as ``dataflow run`` would (variables filled first)."""
    validated = validate_text(json.dumps(document), "flow.json", variables or {}, REGISTRY)
    assert validated.ok, [d.format() for d in validated.diagnostics]
    runner = Runner(validated, RunOptions(work_root=work / "jobs", **options))
    return runner.run(), runner


def assert_reconciled(status: dict[str, Any]) -> None:
    assert status["status"] == "succeeded", status.get("errorMessage")
    for step_id, counts in status["counters"].items():
        assert counts["in"] + counts["added"] == counts["out"] + counts["errors"] + counts["filtered"], (
            step_id,
            counts,
        )


def load_template(name: str) -> dict[str, Any]:
    return json.loads((TEMPLATES / name).read_text())


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


# Silverpop changes made the way a marketer's tools would (through the XML API), for tests to react to ----------
def client_for(sandbox: SilverpopSandbox) -> SilverpopClient:
    config = sandbox.config
    return SilverpopClient(
        resolve(
            {
                "clientId": config.client_id,
                "clientSecret": config.client_secret,
                "refreshToken": config.refresh_token,
                "apiUrl": sandbox.url,
            }
        )
    )


def upsert(client: SilverpopClient, list_id: int, **columns: str) -> None:
    children = xmlapi.pairs("COLUMN", "NAME", "VALUE", columns)
    fields = {"LIST_ID": list_id, "CREATED_FROM": 1, "UPDATE_IF_FOUND": "true"}
    client.call(xmlapi.operation("AddRecipient", fields, *children))


def opt_out(client: SilverpopClient, list_id: int, email: str) -> None:
    client.call(xmlapi.operation("OptOutRecipient", {"LIST_ID": list_id, "EMAIL": email}))


@pytest.fixture
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The shipped example's org and 40 Gigya accounts (``@pytest.mark.parametrize("world", [N], indirect=True)``)."""
    from tests.silverpop.world import start_world

    found = start_world(FLOWS / "customer.example.yaml", getattr(request, "param", 40), tmp_path, FLOWS)
    yield found
    found.gigya.stop()
    found.sp.stop()
