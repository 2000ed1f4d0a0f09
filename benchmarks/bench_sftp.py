"""SFTP writer (and reader) throughput against hand-written asyncssh code, on a real OpenSSH sshd.

Why: the SFTP components add a session layer (a private event loop thread, supervision for stalls and job
kills, retries, size check and rename) around asyncssh. Its cost should be small next to the transfer
itself, so the same upload is timed through ``datasource.write.sftp`` and through the plainest code a
developer would write with the same library, in the same run, against the same server:

- ``asyncssh put``: ``SFTPClient.put(local, remote)``, the library's own parallel copy;
- ``asyncssh loop``: ``open(remote, "wb")`` and sequential 256 KiB ``write`` calls.

Uploads reuse an open connection in every mode (the writer's is opened by a tiny warm-up file). For
information, ``datasource.read.sftp`` is timed against ``connect`` + ``SFTPClient.get``, both including the
connection. Modes alternate within each round, so a drift in machine speed hits all of them alike.

Run from the repository root (needs ``/usr/sbin/sshd``; as root it logs in as a throwaway user)::

    .venv/bin/python -m benchmarks.bench_sftp [--mb 256] [--repeat 3] [--json]

Nothing here asserts on time: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncssh

from dataflow.files import FileRef
from dataflow.registry import default_registry
from dataflow.testing import build_component, read_all
from steps.storage.sftp import ReadSftp, WriteSftp
from tests.sftp import sshd

LOOP_CHUNK = 256 * 1024
REGISTRY = default_registry().extended({"datasource.read.sftp": ReadSftp, "datasource.write.sftp": WriteSftp})


def _payload(path: Path, megabytes: int) -> None:
    with path.open("wb") as out:
        for _ in range(megabytes):
            out.write(os.urandom(1 << 20))


def _sha256(path: Path) -> str:
    with path.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


class Baseline:
    """Hand-written asyncssh client code on one connection, driven from this thread's own event loop."""

    def __init__(self, server: sshd.SshdServer) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.key = asyncssh.import_private_key(server.client_private_key)
        self.connection, self.sftp = self.loop.run_until_complete(self._connect())

    async def _connect(self) -> tuple[asyncssh.SSHClientConnection, asyncssh.SFTPClient]:
        connection = await asyncssh.connect(
            self.server.host,
            self.server.port,
            username=self.server.username,
            client_keys=[self.key],
            known_hosts=asyncssh.import_known_hosts(self.server.known_hosts_line + "\n"),
            config=None,
            agent_path=None,
        )
        return connection, await connection.start_sftp_client()

    def put(self, local: Path, remote: str) -> None:
        self.loop.run_until_complete(self.sftp.put(str(local), remote))

    def loop_write(self, local: Path, remote: str) -> None:
        async def upload() -> None:
            async with self.sftp.open(remote, "wb") as target:
                with local.open("rb") as source:
                    while block := source.read(LOOP_CHUNK):
                        await target.write(block)

        self.loop.run_until_complete(upload())

    def connect_and_get(self, remote: str, local: Path) -> None:
        async def fetch() -> None:
            connection, sftp = await self._connect()
            async with connection:
                await sftp.get(remote, str(local))

        self.loop.run_until_complete(fetch())

    def close(self) -> None:
        self.connection.close()
        self.loop.run_until_complete(self.connection.wait_closed())
        self.loop.close()


def measure(megabytes: int, repeat: int, log: Callable[[str], None]) -> dict[str, Any]:
    with sshd.running() as server, tempfile.TemporaryDirectory(prefix="bench-sftp-") as scratch_text:
        scratch = Path(scratch_text)
        payload = scratch / "payload.bin"
        started = time.perf_counter()
        _payload(payload, megabytes)
        size = payload.stat().st_size
        log(f"payload {megabytes} MiB written in {time.perf_counter() - started:.1f}s; sshd on port {server.port}")
        remote_dir = server.mkdir("bench")
        params = server.params("bench")
        writers = {
            "datasource.write.sftp": build_component("datasource.write.sftp", params, scratch / "w1", REGISTRY),
            "datasource.write.sftp (tmp + rename)": build_component(
                "datasource.write.sftp", {**params, "temporaryUploadExtension": True}, scratch / "w2", REGISTRY
            ),
        }
        warm = scratch / "warm.txt"
        warm.write_text("warm-up\n")
        for component in writers.values():
            list(component.feed([FileRef.of(warm)]))  # connect before timing
        baseline = Baseline(server)

        def writer(name: str, remote_name: str) -> Callable[[], None]:
            file = FileRef.of(payload, remote_name)
            return lambda: list(writers[name].feed([file]))

        def reader() -> None:
            component = build_component(
                "datasource.read.sftp", {**params, "fileNameRegex": r"put\.bin"}, scratch / "r", REGISTRY
            )
            for file in read_all(component):
                file.path.unlink()

        modes: dict[str, tuple[Callable[[], None], Path | None]] = {
            "datasource.write.sftp": (writer("datasource.write.sftp", "writer.bin"), remote_dir / "writer.bin"),
            "datasource.write.sftp (tmp + rename)": (
                writer("datasource.write.sftp (tmp + rename)", "writer-tmp.bin"),
                remote_dir / "writer-tmp.bin",
            ),
            "asyncssh put (baseline)": (lambda: baseline.put(payload, "bench/put.bin"), remote_dir / "put.bin"),
            "asyncssh open/write loop (baseline)": (
                lambda: baseline.loop_write(payload, "bench/loop.bin"),
                remote_dir / "loop.bin",
            ),
            "datasource.read.sftp (with connect)": (reader, None),
            "asyncssh connect + get (baseline)": (
                lambda: baseline.connect_and_get("bench/put.bin", scratch / "got.bin"),
                scratch / "got.bin",
            ),
        }
        runs: dict[str, list[float]] = {mode: [] for mode in modes}
        try:
            for round_number in range(1, repeat + 1):
                for mode, (action, landed) in modes.items():
                    began = time.perf_counter()
                    action()
                    seconds = time.perf_counter() - began
                    if landed is not None and landed.stat().st_size != size:
                        raise SystemExit(f"{mode}: {landed} holds {landed.stat().st_size} bytes, not {size}")
                    runs[mode].append(size / seconds / 1e6)
                    log(f"round {round_number} {mode}: {runs[mode][-1]:.1f} MB/s")
        finally:
            for component in writers.values():
                component.close()
            baseline.close()
        expected = _sha256(payload)
        for mode, (_, landed) in modes.items():
            if landed is not None and _sha256(landed) != expected:
                raise SystemExit(f"{mode}: the uploaded bytes differ from the payload")
        version = subprocess.run(["ssh", "-V"], capture_output=True, text=True, check=False).stderr.strip()
        return {
            "megabytes": megabytes,
            "repeat": repeat,
            "asyncssh": asyncssh.__version__,
            "server": version.split(",")[0],
            "sha256": expected,
            "runs": runs,
            "best": {mode: max(rates) for mode, rates in runs.items()},
            "median": {mode: statistics.median(rates) for mode, rates in runs.items()},
        }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"payload {result['megabytes']} MiB, {result['repeat']} round(s), asyncssh {result['asyncssh']}, "
        f"{result['server']} on 127.0.0.1",
        f"{'mode':40s} {'best MB/s':>10s} {'median MB/s':>12s}",
    ]
    for mode in result["runs"]:
        lines.append(f"{mode:40s} {result['best'][mode]:10.1f} {result['median'][mode]:12.1f}")
    median = result["median"]
    lines.append(
        f"ratio writer/put (median): {median['datasource.write.sftp'] / median['asyncssh put (baseline)']:.2f}"
    )
    lines.append(
        "ratio reader/get (median): "
        f"{median['datasource.read.sftp (with connect)'] / median['asyncssh connect + get (baseline)']:.2f}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=256, help="payload size in MiB (default 256)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; modes alternate within each (default 3)")
    parser.add_argument("--json", action="store_true", help="print every run as JSON on stdout")
    args = parser.parse_args(argv)
    reason = sshd.available()
    if reason:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    result = measure(args.mb, args.repeat, lambda line: print(line, file=sys.stderr))
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
