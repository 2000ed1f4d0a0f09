"""File-store readers and writers against the raw client library, per store, in the same run on loopback.

Why: the S3, Azure Blob and FTP components wrap their client libraries in the engine's shape (selection, retries
per request, parts sent ``maxConnections`` at a time and committed at the end, resumable chunked downloads). That
should cost little next to the transfer, so the same file goes through each component and through the plainest
call a developer would make with the same library, against the same server:

=========  ===========================================  ==============================================
store      component                                    raw client call
=========  ===========================================  ==============================================
S3         datasource.write/read.amazon.s3 (moto)       boto3 ``upload_fileobj`` / ``download_fileobj``
Azure      datasource.write/read.azure.blob (azurite)   ``upload_blob`` / ``download_blob().readinto``
FTP        datasource.write/read.ftp (pyftpdlib)        ftplib ``storbinary`` / ``retrbinary``
=========  ===========================================  ==============================================

Modes alternate within each round (best of ``--repeat``), so a drift in machine speed hits all alike; every
download is checked byte for byte. Every transfer starts from a new client on both sides, as a job's step makes
its own (the raw side used to reuse one client, and its warm connections, for all its transfers). The servers
are the test stand-ins, so the figures say what the engine adds, not how fast a real S3 or Azure is. Run from
the repository root (azurite: ``cd tests/storage/npm && npm ci``)::

    .venv/bin/python -m benchmarks.bench_storage [--mb 64] [--repeat 3] [--stores s3,azure,ftp] [--json]

Nothing here asserts on time: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import ftplib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dataflow.files import FileRef
from dataflow.testing import build_component, drive, read_all
from tests.storage.service import AzureStandIn, FtpStandIn, S3StandIn, running_azure, running_ftp, running_s3

MB = 1 << 20
FAST = {"maxRetries": 2, "retryBackoffMs": 100}


def _sha256(path: Path) -> str:
    with path.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


class Case:
    """One store: the component's params and the raw client's upload and download of the same object."""

    write_type = read_type = ""

    def component_params(self) -> dict[str, Any]:
        raise NotImplementedError

    def raw_upload(self, path: Path, name: str) -> None:
        raise NotImplementedError

    def raw_download(self, name: str, target: Path) -> None:
        raise NotImplementedError


class S3Case(Case):
    write_type, read_type = "datasource.write.amazon.s3", "datasource.read.amazon.s3"

    def __init__(self, stand_in: S3StandIn) -> None:
        self.stand_in, self.bucket = stand_in, stand_in.bucket()

    def component_params(self) -> dict[str, Any]:
        return self.stand_in.params(self.bucket, **FAST)

    def raw_upload(self, path: Path, name: str) -> None:
        with path.open("rb") as body:
            self.stand_in.server.client().upload_fileobj(body, self.bucket, name)

    def raw_download(self, name: str, target: Path) -> None:
        with target.open("wb") as out:
            self.stand_in.server.client().download_fileobj(self.bucket, name, out)


class AzureCase(Case):
    write_type, read_type = "datasource.write.azure.blob", "datasource.read.azure.blob"

    def __init__(self, stand_in: AzureStandIn) -> None:
        self.stand_in, self.container = stand_in, stand_in.container()

    def component_params(self) -> dict[str, Any]:
        return self.stand_in.params(self.container, **FAST)

    def raw_upload(self, path: Path, name: str) -> None:
        with path.open("rb") as body:
            self.stand_in.client(self.container).upload_blob(name, body, overwrite=True, max_concurrency=4)

    def raw_download(self, name: str, target: Path) -> None:
        with target.open("wb") as out:
            self.stand_in.client(self.container).download_blob(name, max_concurrency=4).readinto(out)


class FtpCase(Case):
    write_type, read_type = "datasource.write.ftp", "datasource.read.ftp"

    def __init__(self, stand_in: FtpStandIn) -> None:
        self.stand_in, (self.directory, _) = stand_in, stand_in.directory()

    def component_params(self) -> dict[str, Any]:
        return self.stand_in.params(self.directory, **FAST)

    @contextlib.contextmanager
    def _ftp(self) -> Iterator[ftplib.FTP]:
        server = self.stand_in.server
        ftp = ftplib.FTP()
        ftp.connect(server.host, server.port)
        ftp.login("writer", server.password)
        try:
            yield ftp
        finally:
            ftp.quit()

    def raw_upload(self, path: Path, name: str) -> None:
        with self._ftp() as ftp, path.open("rb") as body:
            ftp.storbinary(f"STOR {self.directory}/{name}", body, MB)

    def raw_download(self, name: str, target: Path) -> None:
        with self._ftp() as ftp, target.open("wb") as out:
            ftp.retrbinary(f"RETR {self.directory}/{name}", out.write, MB)


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def one_round(case: Case, payload: Path, work: Path, number: int, expected: str) -> dict[str, float]:
    """Each mode once: the component's write and read, then the raw client's, of a fresh object name."""
    name = f"payload-{number}.bin"
    file = FileRef.of(payload, name)
    writer = build_component(case.write_type, case.component_params(), work / f"w{number}")
    times = {"component write": _timed(lambda: drive(writer, [[file]]))}
    times["raw write"] = _timed(lambda: case.raw_upload(payload, f"raw-{name}"))
    params = {**case.component_params(), "fileNameRegex": name.replace(".", "\\.")}
    reader = build_component(case.read_type, params, work / f"r{number}")
    fetched: list[FileRef] = []
    times["component read"] = _timed(lambda: fetched.extend(read_all(reader)))
    raw_copy = work / f"raw-{number}.bin"
    times["raw read"] = _timed(lambda: case.raw_download(f"raw-{name}", raw_copy))
    assert [ref.name for ref in fetched] == [name], fetched
    assert _sha256(fetched[0].path) == expected and _sha256(raw_copy) == expected, "a download differs"
    for path in (fetched[0].path, raw_copy):
        path.unlink()
    return times


def measure(case: Case, payload: Path, work: Path, repeat: int) -> dict[str, float]:
    expected = _sha256(payload)
    best: dict[str, float] = {}
    for number in range(repeat):
        for mode, seconds in one_round(case, payload, work, number, expected).items():
            best[mode] = min(best.get(mode, seconds), seconds)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=64, help="size of the file moved each way (default 64 MiB)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best of each mode counts")
    parser.add_argument("--stores", default="s3,azure,ftp", help="comma-separated: s3, azure, ftp")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    starters = {"s3": (running_s3, S3Case), "azure": (running_azure, AzureCase), "ftp": (running_ftp, FtpCase)}
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as scratch:
        payload = Path(scratch) / "payload.bin"
        with payload.open("wb") as out:
            for _ in range(args.mb):
                out.write(os.urandom(MB))
        for store in [name.strip() for name in args.stores.split(",") if name.strip()]:
            start, case_type = starters[store]
            kwargs = {"tls": False} if store == "ftp" else {}
            with start(**kwargs) as stand_in:
                best = measure(case_type(stand_in), payload, Path(scratch) / store, args.repeat)
            results[store] = {mode: args.mb / seconds for mode, seconds in best.items()}
    if args.json:
        print(json.dumps({"mb": args.mb, "repeat": args.repeat, "mb_per_s": results}, indent=2))
        return 0
    print(f"{args.mb} MiB each way, best of {args.repeat}; MiB/s (component / raw client = ratio)")
    print(f"{'store':6} {'write':>8} {'raw':>8} {'ratio':>6}   {'read':>8} {'raw':>8} {'ratio':>6}")
    for store, rates in results.items():
        write, raw_write = rates["component write"], rates["raw write"]
        read, raw_read = rates["component read"], rates["raw read"]
        print(
            f"{store:6} {write:8.1f} {raw_write:8.1f} {write / raw_write:6.2f}   "
            f"{read:8.1f} {raw_read:8.1f} {read / raw_read:6.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
