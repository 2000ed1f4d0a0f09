"""The file-store stand-ins as tests use them: servers started once, params pointing a step at them.

``running_s3()``, ``running_azure()`` and ``running_ftp(tls)`` yield a stand-in whose ``params(...)`` are a
step's connection params and whose ``example_params(example, sample_file)`` points a documented example at a
fresh bucket / container / directory (with ``sample.csv`` in it when ``sample_file`` is given), as the
conformance suite needs. Retries are quick here (milliseconds), never the defaults' seconds.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sandbox.storage import AzuriteServer, FtpServer, S3Server, find_azurite

FAST = {"maxRetries": 2, "retryBackoffMs": 5}


def fresh(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


class S3StandIn:
    def __init__(self, server: S3Server) -> None:
        self.server = server

    def bucket(self) -> str:
        name = fresh("bucket")
        self.server.create_bucket(name)
        return name

    def params(self, bucket: str, user: str = "writer", **extra: Any) -> dict[str, Any]:
        credentials = self.server.users[user]
        return {
            "bucketName": bucket,
            "accessKey": credentials.access_key,
            "secretKey": credentials.secret_key,
            "endpoint": self.server.endpoint,
            **FAST,
            **extra,
        }

    def put(self, bucket: str, key: str, data: bytes) -> None:
        self.server.client().put_object(Bucket=bucket, Key=key, Body=data)

    def get(self, bucket: str, key: str) -> bytes:
        return self.server.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def keys(self, bucket: str) -> list[str]:
        listed = self.server.client().list_objects_v2(Bucket=bucket).get("Contents", [])
        return sorted(item["Key"] for item in listed)

    def example_params(self, example: dict[str, Any], sample_file: str | None = None) -> dict[str, Any]:
        bucket = self.bucket()
        if sample_file is not None:
            self.put(bucket, f"{example.get('objectKeyPrefix', '')}sample.csv", sample_file.encode())
        return {**example, **self.params(bucket)}


class AzureStandIn:
    def __init__(self, server: AzuriteServer) -> None:
        self.server = server

    def container(self) -> str:
        name = fresh("container")
        self.server.create_container(name)
        return name

    def params(self, container: str, **extra: Any) -> dict[str, Any]:
        return {
            "accountName": self.server.account_name,
            "accountKey": self.server.account_key,
            "container": container,
            "endpoint": self.server.endpoint,
            **FAST,
            **extra,
        }

    def client(self, container: str) -> Any:
        return self.server.service().get_container_client(container)

    def put(self, container: str, name: str, data: bytes) -> None:
        self.client(container).upload_blob(name, data, overwrite=True)

    def get(self, container: str, name: str) -> bytes:
        return self.client(container).download_blob(name).readall()

    def names(self, container: str) -> list[str]:
        return sorted(blob.name for blob in self.client(container).list_blobs())

    def example_params(self, example: dict[str, Any], sample_file: str | None = None) -> dict[str, Any]:
        container = self.container()
        if sample_file is not None:
            self.put(container, f"{example.get('blobPrefix', '')}sample.csv", sample_file.encode())
        if "sasUrl" in example:  # a SAS of this server instead of the documented one
            return {**example, **FAST, "sasUrl": self.sas_url(container)}
        if "sasToken" in example:
            params = {**example, **self.params(container), "sasToken": self.server.sas_token(container)}
            params.pop("accountKey")
            return params
        return {**example, **self.params(container)}

    def sas_url(self, container: str, permission: str = "racwdl") -> str:
        return f"{self.server.endpoint}/{container}?{self.server.sas_token(container, permission)}"


class FtpStandIn:
    def __init__(self, server: FtpServer) -> None:
        self.server = server

    def directory(self) -> tuple[str, Path]:
        name = fresh("dir")
        path = self.server.root / name
        path.mkdir()
        return name, path

    def params(self, remote_path: str, user: str = "writer", **extra: Any) -> dict[str, Any]:
        params: dict[str, Any] = {
            "host": self.server.host,
            "port": self.server.port,
            "username": user,
            "password": self.server.password,
            "remotePath": remote_path,
            "explicitTls": self.server.tls,
            **FAST,
            **extra,
        }
        if self.server.tls:
            params["tlsCaCertificate"] = self.server.certificate_pem
        return params

    def example_params(self, example: dict[str, Any], sample_file: str | None = None) -> dict[str, Any]:
        name, path = self.directory()
        if sample_file is not None:
            (path / "sample.csv").write_text(sample_file)
        return {**example, **self.params(name)}


@contextmanager
def running_s3() -> Iterator[S3StandIn]:
    with S3Server() as server:
        yield S3StandIn(server)


def azurite_missing() -> str | None:
    return None if find_azurite() else "azurite is not installed (cd tests/storage/npm && npm ci)"


@contextmanager
def running_azure() -> Iterator[AzureStandIn]:
    with AzuriteServer() as server:
        yield AzureStandIn(server)


@contextmanager
def running_ftp(tls: bool = True) -> Iterator[FtpStandIn]:
    with FtpServer(tls=tls) as server:
        yield FtpStandIn(server)
