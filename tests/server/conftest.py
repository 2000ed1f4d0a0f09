"""A ``dataflow serve`` on a free loopback port over a temporary home, with two sites and test components."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from dataflow.component import Record, RecordStep
from dataflow.server.context import ServerContext
from dataflow.server.running import BackgroundServer, build_context
from tests.ops.conftest import FailWhen, Gate, ops_registry
from tests.server.client import IdxClient

SITE_A = {"apiKey": "3_siteA", "userKey": "userA", "secret": "c2VjcmV0LW9mLXNpdGUtQQ=="}
SITE_B = {"apiKey": "3_siteB", "userKey": "userB", "secret": "c2VjcmV0LW9mLXNpdGUtQg=="}


class Slow(RecordStep):
    """Takes ``seconds`` per batch: a job that runs long enough to watch its counters move."""

    type: ClassVar[str] = "test.slow"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"seconds": {"type": "number", "default": 0.2}},
    }

    def process_batch(self, items: list[Record]) -> list[Record]:
        time.sleep(self.params["seconds"])
        self.context.job.check_cancelled()
        return items


def server_registry():
    return ops_registry().extended({"test.slow": Slow})


@dataclass
class Served:
    url: str
    ctx: ServerContext
    home: Path

    def client(self, site: dict[str, str] = SITE_A, signed: bool = False) -> IdxClient:
        return IdxClient(self.url, site["apiKey"], site["userKey"], site["secret"], signed=signed)


def add_sites(ctx: ServerContext) -> None:
    for name, site in (("Site A", SITE_A), ("Site B", SITE_B)):
        ctx.store.add_site(site["apiKey"], name)
        ctx.store.add_site_key(site["apiKey"], site["userKey"], site["secret"])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    Gate.opened.clear()
    Gate.entered.clear()
    FailWhen.failing.clear()
    home = tmp_path / "home"
    ctx = build_context(home, registry=server_registry(), environ={}, log=lambda line: None)
    add_sites(ctx)
    with BackgroundServer(ctx, poll_seconds=0.1) as server:
        yield Served(server.url, ctx, home)
        Gate.opened.set()


def accounts_csv(directory: Path, rows: int = 25) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "accounts.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["UID", "profile.email"])
        for index in range(rows):
            writer.writerow([f"uid{index:04d}", f"user{index}@example.com"])
    return path


def file_flow(tmp_path: Path, name: str = "accounts export", rows: int = 25) -> dict[str, Any]:
    """A real flow on local files: read a CSV, rename, write a CSV; plus an SFTP branch holding a password."""
    source = accounts_csv(tmp_path / "in", rows)
    return {
        "name": name,
        "description": "file > parse > rename > dsv > file",
        "steps": [
            {
                "id": "read",
                "type": "datasource.read.file",
                "params": {"path": str(source.parent), "fileNameRegex": r"accounts.*\.csv"},
                "next": ["parse"],
            },
            {"id": "parse", "type": "file.parse.dsv", "params": {"columnSeparator": ","}, "next": ["rename"]},
            {
                "id": "rename",
                "type": "field.rename",
                "params": {"fields": [{"sourceField": "profile.email", "targetField": "EMAIL"}]},
                "next": ["dsv"],
            },
            {"id": "dsv", "type": "file.format.dsv", "params": {"fileName": "out_${jobId}.csv"}, "next": ["write"]},
            {"id": "write", "type": "datasource.write.file", "params": {"path": str(tmp_path / "out")}},
        ],
    }


def with_sftp_branch(flow: dict[str, Any], password: str = "s3cret-pass") -> dict[str, Any]:
    steps = [dict(step) for step in flow["steps"]]
    steps[3] = {**steps[3], "next": ["write", "upload"]}
    steps.append(
        {
            "id": "upload",
            "type": "datasource.write.sftp",
            "params": {
                "host": "sftp.example.com",
                "username": "robot",
                "password": password,
                "remotePath": "in",
                "hostKeyFingerprint": "SHA256:" + "A" * 43,
            },
        }
    )
    return {**flow, "steps": steps}


def slow_flow(name: str = "slow", batches: int = 12, seconds: float = 0.25) -> dict[str, Any]:
    """A flow that reads ``batches`` batches of 2 records, each taking ``seconds`` in the middle step."""
    records = [{"n": n} for n in range(2 * batches)]
    return {
        "name": name,
        "description": "source > slow > sink",
        "steps": [
            {"id": "src", "type": "test.source", "params": {"records": records, "batchSize": 2}, "next": ["slow"]},
            {"id": "slow", "type": "test.slow", "params": {"seconds": seconds}, "next": ["sink"]},
            {"id": "sink", "type": "test.collect", "params": {"name": name}},
        ],
    }


def gated_flow(name: str = "gated") -> dict[str, Any]:
    """A flow whose job stays running until the test opens the gate (or kills it)."""
    return {
        "name": name,
        "steps": [
            {"id": "src", "type": "test.source", "params": {"records": [{"n": 1}, {"n": 2}]}, "next": ["gate"]},
            {"id": "gate", "type": "test.gate", "params": {}, "next": ["sink"]},
            {"id": "sink", "type": "test.collect", "params": {"name": name}},
        ],
    }
