"""An Azure Blob stand-in: Microsoft's azurite (an npm package), run as a child process on loopback.

azurite speaks the Blob REST API with Shared Key and SAS authentication, block lists and conditional requests,
so the engine's azure-storage-blob client talks to it as to Azure. It runs with an account of its own (not the
well-known development account), so a wrong key is refused as Azure refuses it (403 AuthenticationFailed).

Where azurite is found, first hit wins: ``$DATAFLOW_AZURITE`` (the path of ``azurite-blob``), ``azurite-blob`` on
the ``PATH`` (``npm install -g azurite``), or ``tests/storage/npm`` of a source checkout after ``npm ci`` there.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.storage.process import ServerProcess, ServerUnavailable, StandIn

CHECKOUT_AZURITE = Path(__file__).resolve().parents[2] / "tests" / "storage" / "npm" / "node_modules" / ".bin"
INSTALL_HINT = (
    "the Azure Blob sandbox needs azurite (Node.js): `npm install -g azurite`, or in a source checkout "
    "`cd tests/storage/npm && npm ci`; or point DATAFLOW_AZURITE at an azurite-blob executable"
)


def find_azurite() -> str | None:
    configured = os.environ.get("DATAFLOW_AZURITE")
    if configured:
        return configured if Path(configured).exists() else None
    on_path = shutil.which("azurite-blob")
    if on_path:
        return on_path
    local = CHECKOUT_AZURITE / "azurite-blob"
    return str(local) if local.exists() else None


class AzuriteServer(StandIn):
    """``with AzuriteServer() as azure:`` → ``azure.endpoint``, ``account_name``, ``account_key``, ``service()``."""

    def __init__(self, account_name: str = "dataflowsandbox", seed: int = 1, host: str = "127.0.0.1") -> None:
        executable = find_azurite()
        if executable is None:
            raise ServerUnavailable(INSTALL_HINT)
        self.account_name = account_name
        self.account_key = base64.b64encode(hashlib.sha512(f"azurite-{seed}".encode()).digest()).decode()
        self._location = tempfile.TemporaryDirectory(prefix="dataflow-azurite-")
        self.process = ServerProcess(
            "azurite",
            [
                executable,
                "--blobHost",
                host,
                "--blobPort",
                "0",
                "--location",
                self._location.name,
                "--skipApiVersionCheck",
                "--loose",
                "--disableProductStyleUrl",
            ],
            r"successfully listens on (http://\S+)",
            {"AZURITE_ACCOUNTS": f"{account_name}:{self.account_key}"},
        )
        self.endpoint = ""

    def start(self) -> AzuriteServer:
        base = self.process.start()
        self.endpoint = f"{base.rstrip('/')}/{self.account_name}"
        return self

    def stop(self) -> None:
        self.process.stop()
        self._location.cleanup()

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={self.account_name};"
            f"AccountKey={self.account_key};BlobEndpoint={self.endpoint};"
        )

    def service(self) -> Any:
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient.from_connection_string(self.connection_string)

    def create_container(self, name: str) -> None:
        self.service().create_container(name)

    def sas_token(self, container: str, permission: str = "racwdl", hours: float = 2.0) -> str:
        """A container SAS (``permission`` letters as Azure's: read, add, create, write, delete, list)."""
        from azure.storage.blob import ContainerSasPermissions, generate_container_sas

        return generate_container_sas(
            self.account_name,
            container,
            account_key=self.account_key,
            permission=ContainerSasPermissions.from_string(permission),
            expiry=datetime.now(UTC) + timedelta(hours=hours),
        )

    def info(self) -> dict[str, Any]:
        return {
            "service": "azure",
            "endpoint": self.endpoint,
            "accountName": self.account_name,
            "accountKey": self.account_key,
        }
