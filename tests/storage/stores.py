"""One face for the three stand-ins, so the same tests run against S3 (moto), Azure Blob (azurite) and FTP/FTPS
(pyftpdlib): an *area* is a fresh bucket, container or directory; files are put and read back through the store's
own client (boto3, azure-storage-blob) or, for FTP, on the server's disk."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from tests.storage.service import AzureStandIn, FtpStandIn, S3StandIn

PREFIX = "data/"  # S3 and Azure areas keep their files under this prefix, to exercise prefixes too

STEP_TYPES = {  # store kind -> (reader type, writer type)
    "s3": ("datasource.read.amazon.s3", "datasource.write.amazon.s3"),
    "azure": ("datasource.read.azure.blob", "datasource.write.azure.blob"),
    "ftp": ("datasource.read.ftp", "datasource.write.ftp"),
    "ftps": ("datasource.read.ftp", "datasource.write.ftp"),
}


@dataclass
class Store:
    name: str
    stand_in: Any
    read_type: str
    write_type: str

    def area(self) -> str:
        if isinstance(self.stand_in, S3StandIn):
            return self.stand_in.bucket()
        if isinstance(self.stand_in, AzureStandIn):
            return self.stand_in.container()
        return self.stand_in.directory()[0]

    def params(self, area: str, **extra: Any) -> dict[str, Any]:
        if isinstance(self.stand_in, S3StandIn):
            return self.stand_in.params(area, objectKeyPrefix=PREFIX, **extra)
        if isinstance(self.stand_in, AzureStandIn):
            return self.stand_in.params(area, blobPrefix=PREFIX, **extra)
        return self.stand_in.params(area, **extra)

    def put(self, area: str, name: str, data: bytes, mtime: float | None = None) -> None:
        if isinstance(self.stand_in, FtpStandIn):
            path = self.stand_in.server.root / area / name
            path.write_bytes(data)
            if mtime is not None:
                os.utime(path, (mtime, mtime))
            return
        self.stand_in.put(area, PREFIX + name, data)

    def get(self, area: str, name: str) -> bytes:
        if isinstance(self.stand_in, FtpStandIn):
            return (self.stand_in.server.root / area / name).read_bytes()
        return self.stand_in.get(area, PREFIX + name)

    def names(self, area: str) -> list[str]:
        """Every name in the area (temporary or stray files included), prefix stripped."""
        if isinstance(self.stand_in, FtpStandIn):
            return sorted(path.name for path in (self.stand_in.server.root / area).iterdir())
        listed = self.stand_in.keys(area) if isinstance(self.stand_in, S3StandIn) else self.stand_in.names(area)
        return sorted(name.removeprefix(PREFIX) for name in listed)

    @property
    def sets_mtime(self) -> bool:
        return isinstance(self.stand_in, FtpStandIn)
