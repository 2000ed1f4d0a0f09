"""The file-store stand-ins a ``--sandbox`` run starts when its flow reads or writes S3, Azure Blob or FTP: one
provider each (see ``sandbox_provider``), listed in ``STORE_PROVIDERS`` by the component types they serve.

Each starts a real server of the store's protocol on a free loopback port (moto's S3 server, azurite, pyftpdlib;
see ``sandbox/storage``), and the job is pointed at it the way an operator points it at a real store:

- S3: ``AWS_ENDPOINT_URL_S3`` in the job's environment, ``{{bucketName}}`` (created), ``{{accessKey}}`` and
  ``{{secretKey}}`` as template variables; any access key is accepted;
- Azure: ``AZURE_STORAGE_BLOB_ENDPOINT`` and ``AZURE_STORAGE_KEY`` in the environment, the variables of
  ``flows/azure/customer.example.yaml`` with ``{{accountName}}`` and ``{{container}}``; the container is created
  and starts with an accounts file built from the Gigya demo site, so the sample import (``flows/azure``) has
  something to import and report on;
- FTP: ``{{ftpHost}}``, ``{{ftpPort}}``, ``{{ftpUsername}}``, ``{{ftpPassword}}`` as template variables.

A store whose stand-in is not installed raises ``ServerUnavailable`` (from ``sandbox.storage``) with what to install.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dataflow.cli.sandbox_provider import Attached, SandboxProvider, example_config

SANDBOX_BUCKET = "dataflow-sandbox"
_IMPORT_HEADER = ["UID", "profile.email", "profile.firstName", "profile.lastName", "data.loyaltyTier"]


class S3Provider:
    name = "S3"

    @contextmanager
    def start(self, gigya: Any) -> Iterator[Attached]:
        from sandbox.storage import S3Server

        with S3Server(enforce_auth=False) as server:
            server.create_bucket(SANDBOX_BUCKET)

            def summary() -> list[str]:
                listed = server.client().list_objects_v2(Bucket=SANDBOX_BUCKET).get("Contents", [])
                keys = [item["Key"] for item in listed]
                return [f"S3 bucket '{SANDBOX_BUCKET}' holds {len(keys)} object(s){_names(keys)}"]

            variables = {"bucketName": SANDBOX_BUCKET, "accessKey": "sandbox", "secretKey": "sandbox-secret"}
            yield Attached(self.name, server, {"AWS_ENDPOINT_URL_S3": server.endpoint}, variables, summary)


class AzureProvider:
    name = "Azure Blob"

    @contextmanager
    def start(self, gigya: Any) -> Iterator[Attached]:
        from sandbox.storage import AzuriteServer

        with AzuriteServer() as server:
            example = example_config("azure")
            container = str(example.get("container") or "gigya-import")
            server.create_container(container)
            client = server.service().get_container_client(container)
            client.upload_blob(f"{example.get('importPrefix') or ''}accounts.csv", demo_import(gigya))

            def summary() -> list[str]:
                lines = []
                for blob in client.list_blobs():
                    rows = client.download_blob(blob.name).readall().decode("utf-8", "replace").count("\n")
                    lines.append(f"Azure container '{container}': {blob.name} ({max(rows - 1, 0)} rows)")
                return lines

            environ = {"AZURE_STORAGE_BLOB_ENDPOINT": server.endpoint, "AZURE_STORAGE_KEY": server.account_key}
            variables = {**example, "accountName": server.account_name, "container": container}
            yield Attached(self.name, server, environ, variables, summary)


class FtpProvider:
    name = "FTP"

    @contextmanager
    def start(self, gigya: Any) -> Iterator[Attached]:
        from sandbox.storage import FtpServer

        with FtpServer() as server:
            info = server.info()

            def summary() -> list[str]:
                names = sorted(path.name for path in server.root.rglob("*") if path.is_file())
                return [f"FTP server holds {len(names)} file(s){_names(names)}"]

            variables = {
                "ftpHost": info["host"],
                "ftpPort": info["port"],
                "ftpUsername": info["username"],
                "ftpPassword": info["password"],
            }
            yield Attached(self.name, server, {}, variables, summary)


def _names(names: list[str]) -> str:
    return f": {', '.join(names)}" if names else ""


_S3, _AZURE, _FTP = S3Provider(), AzureProvider(), FtpProvider()
STORE_PROVIDERS: dict[str, SandboxProvider] = {
    "datasource.read.amazon.s3": _S3,
    "datasource.write.amazon.s3": _S3,
    "datasource.read.azure.": _AZURE,
    "datasource.write.azure.": _AZURE,
    "datasource.read.ftp": _FTP,
    "datasource.write.ftp": _FTP,
}


def demo_import(gigya: Any) -> bytes:
    """An accounts file as a customer exports it: updates of known accounts, new accounts, and rows that fail."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(_IMPORT_HEADER)
    known = (uid for uid in map(gigya.uid, range(gigya.count())) if gigya.account(uid) is not None)
    for index, uid in zip(range(5), known, strict=False):  # known accounts: a loyalty tier and a first name change
        writer.writerow([uid, "", f"Updated{index}", "", ("gold", "silver", "bronze")[index % 3]])
    for index in range(3):  # new accounts
        writer.writerow(["", f"imported.{index}@example.com", f"New{index}", "Sandbox", "bronze"])
    writer.writerow(["no-such-uid", "", "Unknown", "", ""])  # no account has this UID: the error report says so
    writer.writerow(["", "", "Nobody", "", ""])  # neither UID nor email: refused by the flow
    return text.getvalue().encode()
