"""``datasource.read.amazon.s3`` / ``datasource.write.amazon.s3``: objects from and to an S3 bucket, on boto3.

IdentitySync's params (``bucketName``, ``accessKey``, ``secretKey``, ``objectKeyPrefix``) plus ``region`` and
``endpoint`` for S3-compatible stores (MinIO, Ceph, a local stand-in). The endpoint can also come from the job's
environment (``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``); nothing else is taken from the environment or
``~/.aws`` of whoever runs the engine: the step's own credentials are the only ones used.

- The reader lists the objects directly under ``objectKeyPrefix`` (a key prefix, taken literally: end it with
  ``/`` for a folder), selects them like every file reader (``steps/storage/remote.py``) and downloads each as
  a stream, resuming after a dropped connection with a ranged GET pinned to the object's ETag.
- The writer puts each file at ``objectKeyPrefix + name``. Up to ``partSizeMb`` it is one PUT (atomic); above
  it a multipart upload whose parts go ``maxConnections`` at a time and which is completed only when every part
  is in, or aborted, so a failed upload never shows an object under its key.
- botocore's own retries are off; the engine's policy retries each request (``transfer.py``). Wrong
  credentials, a missing bucket or a refused permission fail the job at once with S3's error code.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, ClassVar

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    IncompleteReadError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from urllib3.exceptions import HTTPError as Urllib3Error

from dataflow.errors import FatalError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext
from steps.storage.remote import RemoteFile, StoreReader, StoreStep, StoreWriter, Vanished, aborting
from steps.storage.transfer import Retrying, download_resuming, upload_parts

CHUNK = 1 << 20
MEGABYTE = 1 << 20
_CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "InvalidClientTokenId"}
_TRANSIENT_CODES = {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling", "503", "500"}
_NETWORK = (
    EndpointConnectionError,
    ConnectionClosedError,
    ReadTimeoutError,
    IncompleteReadError,
    ResponseStreamingError,
    Urllib3Error,
    ConnectionError,
    TimeoutError,
)


def _code(problem: ClientError) -> tuple[str, int]:
    error = problem.response.get("Error", {})
    status = problem.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return str(error.get("Code") or status), int(status or 0)


@functools.cache
def _model_loader() -> Any:
    """botocore's loader of the service descriptions, shared by every S3 step in the process. Each step has its own
    session (its own credentials), and a new session would parse S3's model files again: about 40 ms per client,
    a tenth of a 64 MiB upload on loopback. The models are static data, so one cache serves every session."""
    return botocore.session.get_session().get_component("data_loader")


def transient(problem: BaseException) -> str | None:
    if isinstance(problem, ClientError):
        code, status = _code(problem)
        if code in _TRANSIENT_CODES or status >= 500 or status == 429:
            return f"S3 answered {code} (HTTP {status})"
        return None
    if isinstance(problem, _NETWORK):
        return str(problem) or type(problem).__name__
    return None


class _S3Step(StoreStep):
    """What the reader and the writer share: the client, its endpoint and the translation of S3's refusals."""

    needs_service: ClassVar[str] = "s3"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        context.job.redactor.add(params.get("secretKey"), params.get("sessionToken"))
        self.bucket = str(params["bucketName"])
        self.prefix = str(params.get("objectKeyPrefix") or "")
        environ = context.job.environ
        self.endpoint = params.get("endpoint") or environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
        self.retrying = Retrying.for_step(params, self.where, transient, cancel=context.job.cancel_event, log=self.log)

    @property
    def client(self) -> Any:
        if self._connection is None:
            timeout = float(self.params.get("timeout") or 60)
            core = botocore.session.get_session()
            core.register_component("data_loader", _model_loader())
            session = boto3.session.Session(
                botocore_session=core,
                aws_access_key_id=self.params["accessKey"],
                aws_secret_access_key=self.params["secretKey"],
                aws_session_token=self.params.get("sessionToken") or None,
                region_name=self.params.get("region") or "us-east-1",
            )
            config = Config(
                retries={"max_attempts": 1, "mode": "standard"},  # the engine's policy retries instead
                connect_timeout=timeout,
                read_timeout=timeout,
                max_pool_connections=max(10, int(self.params.get("maxConnections") or 4) + 2),
                s3={"addressing_style": "path" if self.endpoint else "auto"},
                ignore_configured_endpoint_urls=True,
            )
            self._connection = session.client("s3", endpoint_url=self.endpoint or None, config=config)
        return self._connection

    @property
    def where(self) -> str:
        shown = f"s3://{self.bucket}/{self.prefix}"
        return f"{shown} at {self.endpoint}" if self.endpoint else shown

    def refused(self, problem: ClientError, doing: str) -> FatalError:
        """S3's answer as a job failure that says what to fix."""
        code, status = _code(problem)
        if code in _CREDENTIALS:
            return FatalError(f"S3 refused the credentials of accessKey {self.params['accessKey']!r} ({code})")
        if code == "NoSuchBucket":
            return FatalError(f"bucket {self.bucket!r} does not exist (at {self.endpoint or 'AWS'})")
        if code in ("AccessDenied", "AllAccessDisabled") or status == 403:
            return FatalError(f"access denied {doing} in bucket {self.bucket!r} ({code}): check the key's permissions")
        message = problem.response.get("Error", {}).get("Message") or ""
        return FatalError(f"S3 refused {doing} in {self.where}: {code} (HTTP {status}) {message}".strip())


class ReadS3(_S3Step, StoreReader):
    """Emit the objects under ``objectKeyPrefix`` whose names match ``fileNameRegex``, sorted, one at a time."""

    type: ClassVar[str] = "datasource.read.amazon.s3"

    def list_files(self) -> list[RemoteFile]:
        def listing() -> tuple[list[RemoteFile], list[str]]:
            found: list[RemoteFile] = []
            folders: list[str] = []
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"
            )
            for page in pages:
                folders += [entry["Prefix"] for entry in page.get("CommonPrefixes", [])]
                for item in page.get("Contents", []):
                    key = item["Key"]
                    if key.endswith("/"):
                        continue  # a folder marker
                    mtime = item["LastModified"].timestamp()
                    found.append(RemoteFile(key.rsplit("/", 1)[-1], key, item["Size"], mtime, item.get("ETag")))
            return found, folders

        try:
            found, folders = self.retrying.call("listing", listing)
        except ClientError as problem:
            raise self.refused(problem, "listing objects") from None
        if not found and f"{self.prefix}/" in folders:
            self.context.warn(f"objectKeyPrefix {self.prefix!r} names a folder: end it with '/' to read its objects")
        return found

    def fetch(self, remote: RemoteFile, local: Path) -> int:
        def open_at(offset: int) -> Any:
            options: dict[str, Any] = {"Bucket": self.bucket, "Key": remote.path}
            if offset:
                options["Range"] = f"bytes={offset}-"
            if remote.version:
                options["IfMatch"] = remote.version
            body = self.client.get_object(**options)["Body"]
            try:
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()

        try:
            return download_resuming(local, self.retrying, f"downloading {remote.path}", open_at, self.cancel)
        except ClientError as problem:
            code, _ = _code(problem)
            if code in ("NoSuchKey", "404"):
                raise Vanished from None
            if code in ("PreconditionFailed", "412"):
                raise FatalError(f"{remote.path} in {self.where} changed while it was downloaded") from None
            raise self.refused(problem, f"downloading {remote.path}") from None

    @property
    def cancel(self) -> Any:
        return self.context.job.cancel_event


class WriteS3(_S3Step, StoreWriter):
    """Put each incoming file at ``objectKeyPrefix + name``; pass the file on."""

    type: ClassVar[str] = "datasource.write.amazon.s3"
    store_noun: ClassVar[str] = "S3"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self.part_size = max(5, int(params.get("partSizeMb") or 8)) * MEGABYTE  # S3's minimum part is 5 MiB
        self.concurrency = max(1, int(params.get("maxConnections") or 4))

    def put(self, file: FileRef, name: str) -> tuple[str, int]:
        key = self.prefix + name
        try:
            if file.size <= self.part_size:
                self._put_whole(file.path, key)
            else:
                self._put_in_parts(file.path, key)
        except ClientError as problem:
            raise self.refused(problem, f"writing {key}") from None
        return f"s3://{self.bucket}/{key}", file.size

    def _put_whole(self, path: Path, key: str) -> None:
        def send() -> None:
            with path.open("rb") as body:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=body)

        self.retrying.call(f"uploading {key}", send)

    def _put_in_parts(self, path: Path, key: str) -> None:
        # As boto3's upload_fileobj does: botocore sends a CRC32 with every part anyway, so the upload names the
        # algorithm and the completion lists each part's CRC32, and S3 checks the whole object against them.
        started = self.retrying.call(
            f"starting the upload of {key}",
            lambda: self.client.create_multipart_upload(Bucket=self.bucket, Key=key, ChecksumAlgorithm="CRC32"),
        )
        upload_id = started["UploadId"]

        def abort() -> None:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

        def stage(number: int, data: bytes) -> dict[str, Any]:
            answer = self.client.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data, ChecksumAlgorithm="CRC32"
            )
            part = {"PartNumber": number, "ETag": answer["ETag"]}
            if answer.get("ChecksumCRC32"):
                part["ChecksumCRC32"] = answer["ChecksumCRC32"]
            return part

        with aborting(abort):
            parts = upload_parts(path, self.part_size, stage, self.retrying, f"uploading {key}", self.concurrency)
            self.retrying.call(
                f"completing the upload of {key}",
                lambda: self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
                ),
            )
