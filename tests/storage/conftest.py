"""Session-wide file-store servers for the storage tests: moto (S3), azurite (Azure Blob), pyftpdlib (FTP/FTPS).

Each starts once per test session on a free loopback port; tests make their own bucket, container or directory.
Without azurite installed (``cd tests/storage/npm && npm ci``; ``.ci/run`` does it) the Azure tests are skipped
with that reason.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.storage.service import (
    AzureStandIn,
    FtpStandIn,
    S3StandIn,
    azurite_missing,
    running_azure,
    running_ftp,
    running_s3,
)


@pytest.fixture(scope="session")
def s3() -> Iterator[S3StandIn]:
    with running_s3() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def azure() -> Iterator[AzureStandIn]:
    if reason := azurite_missing():
        pytest.skip(reason)
    with running_azure() as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def ftp() -> Iterator[FtpStandIn]:
    with running_ftp(tls=False) as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def ftps() -> Iterator[FtpStandIn]:
    with running_ftp(tls=True) as stand_in:
        yield stand_in
