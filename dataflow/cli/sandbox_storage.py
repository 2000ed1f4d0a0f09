"""The file-store stand-ins a ``--sandbox`` run starts when its flow reads or writes S3, Azure Blob or FTP.

Only the stores the flow uses are started (moto's S3 server, azurite, pyftpdlib; see ``sandbox/storage``), each on
a free loopback port, and the job is pointed at them the way an operator points it at a real store:

- S3: ``AWS_ENDPOINT_URL_S3`` in the job's environment; the flow's literal bucket names (and ``{{bucketName}}``)
  are created; any access key is accepted;
- Azure: ``AZURE_STORAGE_BLOB_ENDPOINT`` and ``AZURE_STORAGE_KEY`` in the environment, ``{{accountName}}`` and
  ``{{container}}`` as template variables; the container is created, and for the sample import flow
  (``flows/azure``) it starts with an accounts file built from the Gigya sandbox's accounts, so the run has
  something to import and report on;
- FTP: ``{{ftpHost}}``, ``{{ftpPort}}``, ``{{ftpUsername}}``, ``{{ftpPassword}}`` as template variables.

A store whose stand-in is not installed stops the run before it starts, with what to install.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dataflow.resources import flows_dir

AZURE_EXAMPLE = ("azure", "customer.example.yaml")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IMPORT_HEADER = ["UID", "profile.email", "profile.firstName", "profile.lastName", "data.loyaltyTier"]


@dataclass
class Stores:
    environ: dict[str, str] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    summaries: list[Callable[[], list[str]]] = field(default_factory=list)

    def summary(self) -> list[str]:
        return [line for summarise in self.summaries for line in summarise()]


def flow_steps(flow: str) -> list[dict[str, Any]]:
    """The steps of a flow file (best effort: a stored flow's name, or an unreadable file, gives none)."""
    path = Path(flow)
    if not path.is_file():
        return []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return []
    steps = document.get("steps") if isinstance(document, dict) else None
    return [step for step in steps or [] if isinstance(step, dict) and isinstance(step.get("type"), str)]


def start_stores(steps: list[dict[str, Any]], stack: ExitStack, gigya: Any) -> Stores:
    """Start the stand-ins the steps need inside ``stack``; raises ``ServerUnavailable`` with an install hint."""
    types = {step["type"] for step in steps}
    stores = Stores()
    if any(".amazon.s3" in kind for kind in types):
        _start_s3(steps, stack, stores)
    if any(".azure." in kind for kind in types):
        _start_azure(stack, stores, gigya)
    if any(kind.endswith(".ftp") for kind in types):
        _start_ftp(stack, stores)
    return stores


def _start_s3(steps: list[dict[str, Any]], stack: ExitStack, stores: Stores) -> None:
    from sandbox.storage import S3Server

    server = stack.enter_context(S3Server(enforce_auth=False))
    names = {str((step.get("params") or {}).get("bucketName", "")) for step in steps} | {"dataflow-sandbox"}
    buckets = sorted(name for name in names if _BUCKET.match(name))
    for bucket in buckets:
        server.create_bucket(bucket)
    stores.environ["AWS_ENDPOINT_URL_S3"] = server.endpoint
    stores.variables.update(bucketName="dataflow-sandbox", accessKey="sandbox", secretKey="sandbox-secret")

    def summary() -> list[str]:
        client = server.client()
        lines = []
        for bucket in buckets:
            keys = [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
            lines.append(f"S3 bucket '{bucket}' holds {len(keys)} object(s){': ' + ', '.join(keys) if keys else ''}")
        return lines

    stores.summaries.append(summary)


def _start_azure(stack: ExitStack, stores: Stores, gigya: Any) -> None:
    from sandbox.storage import AzuriteServer

    server = stack.enter_context(AzuriteServer())
    example = yaml.safe_load(flows_dir().joinpath(*AZURE_EXAMPLE).read_text(encoding="utf-8")) or {}
    container = str(example.get("container") or "gigya-import")
    server.create_container(container)
    prefix = str(example.get("importPrefix") or "")
    client = server.service().get_container_client(container)
    client.upload_blob(f"{prefix}accounts.csv", demo_import(gigya))
    stores.environ.update(AZURE_STORAGE_BLOB_ENDPOINT=server.endpoint, AZURE_STORAGE_KEY=server.account_key)
    stores.variables.update(example, accountName=server.account_name, container=container)

    def summary() -> list[str]:
        lines = []
        for blob in client.list_blobs():
            rows = client.download_blob(blob.name).readall().decode("utf-8", "replace").count("\n")
            lines.append(f"Azure container '{container}': {blob.name} ({max(rows - 1, 0)} rows)")
        return lines

    stores.summaries.append(summary)


def _start_ftp(stack: ExitStack, stores: Stores) -> None:
    from sandbox.storage import FtpServer

    server = stack.enter_context(FtpServer())
    info = server.info()
    stores.variables.update(
        ftpHost=info["host"], ftpPort=info["port"], ftpUsername=info["username"], ftpPassword=info["password"]
    )

    def summary() -> list[str]:
        names = sorted(path.name for path in server.root.rglob("*") if path.is_file())
        return [f"FTP server holds {len(names)} file(s){': ' + ', '.join(names) if names else ''}"]

    stores.summaries.append(summary)


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
