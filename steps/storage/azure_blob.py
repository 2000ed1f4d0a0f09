"""``datasource.read.azure.blob`` / ``datasource.write.azure.blob``: blobs from and to an Azure Storage container,
on azure-storage-blob.

IdentitySync's params (``accountName``, ``accountKey``, ``container``, ``blobPrefix``, ``fileNameRegex``) plus
``sasToken`` (instead of the key) and ``endpoint`` (Azure Stack, a private endpoint, azurite; also from the job's
environment as ``AZURE_STORAGE_BLOB_ENDPOINT``). Without an endpoint the account's public one is used.

- The reader lists the blobs directly under ``blobPrefix`` (a name prefix, taken literally: end it with ``/`` for
  a virtual folder), selects them like every file reader (``steps/storage/remote.py``) and downloads each in
  16 MiB chunks, resuming after a dropped connection with a ranged GET pinned to the blob's ETag.
- The writer puts each file at ``blobPrefix + name`` in the SDK's shape: a file up to ``partSizeMb`` ×
  ``maxConnections`` (64 MiB at the defaults, the SDK's single-put threshold) goes as one Put Blob, which is
  atomic; a larger one as ``partSizeMb`` blocks staged ``maxConnections`` at a time and a block list committed
  only when all are in. Either way memory holds at most ``maxConnections`` blocks' worth, and until the Put Blob
  or the commit succeeds nothing shows under the name (an older blob there keeps its content); Azure drops
  uncommitted blocks by itself, so a failed upload leaves no half blob behind. (The threshold used to be one
  block: a 64 MiB file went as four blocks and a commit, which on azurite ran at less than half the speed of
  the SDK's single request.)
- The SDK's own retries are off; the engine's policy retries each request (``transfer.py``). A wrong key, a
  missing container or a refused permission fail the job at once with Azure's error code.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, ClassVar

from azure.core import MatchConditions
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    IncompleteReadError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.blob import BlobBlock, BlobPrefix, BlobServiceClient, ContainerClient

from dataflow.component import ParamProblem
from dataflow.errors import FatalError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.storage.remote import RemoteFile, StoreReader, StoreStep, StoreWriter, Vanished
from steps.storage.transfer import Retrying, download_resuming, upload_parts

MEGABYTE = 1 << 20
CHUNK = 16 * MEGABYTE  # a download's ranged GETs: at 4 MiB (the SDK's default) a request's own cost halved the rate
PUT_BLOB_LIMIT = 5000 * MEGABYTE  # the largest Put Blob body (service versions from 2019-12-12)
ENDPOINT_VARIABLE = "AZURE_STORAGE_BLOB_ENDPOINT"
_CREDENTIALS = ("AuthenticationFailed", "InvalidAuthenticationInfo")
_NETWORK = (ServiceRequestError, ServiceResponseError, IncompleteReadError, ConnectionError, TimeoutError)


def transient(problem: BaseException) -> str | None:
    if isinstance(problem, HttpResponseError) and not isinstance(problem, ClientAuthenticationError):
        status = problem.status_code or 0
        if status >= 500 or status in (408, 429):
            return f"Azure answered {problem.error_code or status} (HTTP {status})"
        return None
    if isinstance(problem, _NETWORK):
        return str(problem).split("\n")[0] or type(problem).__name__
    return None


def client_options(params: dict[str, Any]) -> dict[str, Any]:
    """Client settings: no SDK retries (the engine's policy retries), bounded chunks, the step's timeout, and no
    splitting of a Put Blob by the SDK (the writer chooses the upload's shape itself)."""
    timeout = float(params.get("timeout") or 60)
    return {
        "retry_total": 0,
        "max_single_put_size": PUT_BLOB_LIMIT,
        "connection_timeout": timeout,
        "read_timeout": timeout,
        "max_single_get_size": CHUNK,
        "max_chunk_get_size": CHUNK,
    }


class _AzureStep(StoreStep):
    """What the reader and the writers share: the container client and the translation of Azure's refusals."""

    needs_service: ClassVar[str] = "azure"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Any:
        yield from cls.check_credentials(params)

    @classmethod
    def check_credentials(cls, params: dict[str, Any]) -> Any:
        if not (params.get("accountKey") or params.get("sasToken")):
            yield ParamProblem((), "set accountKey or sasToken: Azure needs one of them to authorise the requests")

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        context.job.redactor.add(params.get("accountKey"), params.get("sasToken"))
        self.prefix = str(params.get("blobPrefix") or "")
        self.retrying = Retrying.for_step(params, self.where, transient, cancel=context.job.cancel_event, log=self.log)

    @property
    def container_name(self) -> str:
        return str(self.params["container"])

    @property
    def account_url(self) -> str:
        configured = self.params.get("endpoint") or self.context.job.environ.get(ENDPOINT_VARIABLE)
        return str(configured or f"https://{self.params['accountName']}.blob.core.windows.net").rstrip("/")

    @property
    def where(self) -> str:
        return f"{self.account_url}/{self.container_name}/{self.prefix}"

    def open_container(self) -> ContainerClient:
        """The container client from the step's account and key (or SAS token)."""
        credential: Any = self.params.get("sasToken") or {
            "account_name": self.params["accountName"],
            "account_key": self.params["accountKey"],
        }
        service = BlobServiceClient(self.account_url, credential=credential, **client_options(self.params))
        return service.get_container_client(self.container_name)

    @property
    def container(self) -> ContainerClient:
        if self._connection is None:
            self._connection = self.open_container()
        return self._connection

    def refused(self, problem: HttpResponseError, doing: str) -> FatalError:
        """Azure's answer as a job failure that says what to fix."""
        code = str(getattr(problem.error_code, "value", problem.error_code) or "")
        status = problem.status_code or 0
        account = self.params.get("accountName") or "the SAS token's account"
        if isinstance(problem, ClientAuthenticationError) or code in _CREDENTIALS:
            return FatalError(f"Azure refused the credentials for account {account!r} ({code or status})")
        if code == "ContainerNotFound":
            return FatalError(f"container {self.container_name!r} does not exist at {self.account_url}")
        if code == "AuthorizationPermissionMismatch":
            return FatalError(f"permission denied {doing} in container {self.container_name!r} ({code})")
        if status == 403:  # e.g. AuthorizationFailure: a wrong key on some servers, or a network rule
            return FatalError(
                f"Azure refused {doing} for account {account!r} ({code or status}): the credentials are wrong "
                "or not allowed to do this"
            )
        reason = (problem.reason or str(problem)).split("\n")[0]
        return FatalError(f"Azure refused {doing} in {self.where}: {code or status} {reason}".strip())


class ReadAzureBlob(_AzureStep, StoreReader):
    """Emit the blobs under ``blobPrefix`` whose names match ``fileNameRegex``, sorted, one at a time."""

    type: ClassVar[str] = "datasource.read.azure.blob"

    def list_files(self) -> list[RemoteFile]:
        def listing() -> list[RemoteFile]:
            found = []
            for item in self.container.walk_blobs(name_starts_with=self.prefix or None, delimiter="/"):
                if isinstance(item, BlobPrefix):
                    continue
                mtime = item.last_modified.timestamp() if item.last_modified else None
                found.append(RemoteFile(item.name.rsplit("/", 1)[-1], item.name, item.size, mtime, item.etag))
            return found

        try:
            return self.retrying.call("listing", listing)
        except HttpResponseError as problem:
            raise self.refused(problem, "listing blobs") from None

    def fetch(self, remote: RemoteFile, local: Path) -> int:
        blob = self.container.get_blob_client(remote.path)

        def open_at(offset: int) -> Any:
            options: dict[str, Any] = {"offset": offset or None, "max_concurrency": 1}
            if remote.version:
                options.update(etag=remote.version, match_condition=MatchConditions.IfNotModified)
            return blob.download_blob(**options).chunks()

        cancel = self.context.job.cancel_event
        try:
            return download_resuming(local, self.retrying, f"downloading {remote.path}", open_at, cancel)
        except HttpResponseError as problem:
            if problem.error_code == "BlobNotFound":
                raise Vanished from None
            if problem.status_code == 412:
                raise FatalError(f"{remote.path} in {self.where} changed while it was downloaded") from None
            raise self.refused(problem, f"downloading {remote.path}") from None


class WriteAzureBlob(_AzureStep, StoreWriter):
    """Put each incoming file at ``blobPrefix + name``; pass the file on."""

    type: ClassVar[str] = "datasource.write.azure.blob"
    store_noun: ClassVar[str] = "Azure Blob Storage"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self.part_size = max(1, int(params.get("partSizeMb") or 16)) * MEGABYTE
        self.concurrency = max(1, int(params.get("maxConnections") or 4))
        # One request for what the block path would hold in memory anyway: maxConnections blocks.
        self.single_put_size = min(self.part_size * self.concurrency, PUT_BLOB_LIMIT)

    def put(self, file: FileRef, name: str) -> tuple[str, int]:
        blob_name = self.prefix + name
        try:
            blob = self.blob_client(blob_name)
            if file.size <= self.single_put_size:
                send = lambda: blob.upload_blob(file.path.read_bytes(), overwrite=True)  # noqa: E731  (bounded)
                self.retrying.call(f"uploading {blob_name}", send)
            else:
                self._put_blocks(blob, file.path, blob_name)
        except HttpResponseError as problem:
            raise self.refused(problem, f"writing {blob_name}") from None
        return f"{blob.container_name}/{blob.blob_name}", file.size

    def blob_client(self, blob_name: str) -> Any:
        return self.container.get_blob_client(blob_name)

    def _put_blocks(self, blob: Any, path: Path, blob_name: str) -> None:
        upload = secrets.token_hex(8)  # ids of this upload only: a concurrent writer's blocks never mix in

        def stage(number: int, data: bytes) -> str:
            block_id = f"{upload}-{number:06d}"
            blob.stage_block(block_id, data, length=len(data))
            return block_id

        # Nothing to abort on failure: staged blocks stay invisible until committed, and Azure discards them.
        blocks = upload_parts(path, self.part_size, stage, self.retrying, f"uploading {blob_name}", self.concurrency)
        self.retrying.call(
            f"committing {blob_name}", lambda: blob.commit_block_list([BlobBlock(block_id=b) for b in blocks])
        )
