"""kill -9: stored flows run by ``dataflow run NAME`` in their own processes, killed with SIGKILL at seeded points.

Two flows share one DATAFLOW_HOME (so kills also land while the other process writes state.db), one Gigya site and
one SFTP server (the sandboxes, in this process). Each reads what changed since its watermark, formats it as CSV
and lands it in its own local directory and on the SFTP server (``temporaryUploadExtension: true``: a direct
upload, IdentitySync's default, leaves a partial file under the final name by design). Before each run a few
accounts change; the run is started, the test waits until it has claimed its job (so every kill lands inside the
job: reading, formatting, writing, or recording the outcome) and kills it after a seeded share of a typical job.
After every kill:

- ``PRAGMA integrity_check`` of state.db is ``ok``;
- every file under its final name, locally and on the SFTP server, is whole: byte for byte what its job formatted;
- the flow's watermark is never later than a change that no output file of the flow holds yet;
- the next run claims the flow (the lock is free) and the killed job is then marked failed.

A last clean run of each flow must succeed and deliver every change made.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sandbox.gigya import GigyaSandbox
from sandbox.silverpop import SilverpopConfig, SilverpopSandbox
from sandbox.silverpop.clock import Clock
from tests.reliability.figures import Case, check, declare
from tests.reliability.services import dataflow_cli
from tests.silverpop.conftest import host_key_fingerprint

SUITE = "kill -9"
KILLS = 20  # 10 per flow
LONG_KILLS = 100
ACCOUNTS = 300
CHECKS = (
    "state.db passes integrity_check, no partial file under a final name, the watermark never passes an "
    "undelivered change, the next run claims the flow and marks the killed job failed"
)
CASE = declare(
    SUITE, "two stored Gigya -> CSV flows, dataflow run NAME killed at seeded points", KILLS, "kills", CHECKS
)
LONG_CASE = declare(SUITE, "two stored Gigya -> CSV flows, 100 kills", LONG_KILLS, "kills", CHECKS, slow=True)
CLAIM_TIMEOUT = 60.0


def _flow(name: str, out: Path, sftp: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "steps": [
            {
                "id": "account",
                "type": "datasource.read.gigya.account",
                "params": {
                    "select": "UID, lastUpdatedTimestamp, data.round",
                    "deltaField": "lastUpdatedTimestamp",
                    "batchSize": 20,
                    "retryBackoffMs": 1,
                },
                "next": ["dsv"],
            },
            {
                "id": "dsv",
                "type": "file.format.dsv",
                "params": {"fileName": "accounts_${jobId}.csv"},
                "next": ["out", "sftp"],
            },
            {"id": "out", "type": "datasource.write.file", "params": {"path": str(out)}},
            {"id": "sftp", "type": "datasource.write.sftp", "params": {**sftp, "temporaryUploadExtension": True}},
        ],
    }


class Rig:
    """One stored flow: its output directory, the changes made for it, the CLI and the store as it stands."""

    def __init__(self, name: str, root: Path, home: Path, site: GigyaSandbox, sp: SilverpopSandbox) -> None:
        self.name, self.root, self.home, self.site, self.sp = name, root, home, site, sp
        self.out = root / name
        self.environ = {**os.environ, **site.environ, "DATAFLOW_HOME": str(home)}
        self.changes: list[tuple[str, int]] = []  # (UID, lastUpdatedTimestamp) of every change made
        self.dataflow_id = ""

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return dataflow_cli(self.environ, *args)

    def add(self) -> None:
        flow_file = self.root / f"{self.name}.json"
        sftp = {
            "host": self.sp.host,
            "port": self.sp.sftp_port,
            "username": self.sp.config.sftp_username,
            "password": "${env:KILL9_SFTP_PASSWORD}",
            "remotePath": "upload",
            "hostKeyFingerprint": host_key_fingerprint(self.sp.host, self.sp.sftp_port),
        }
        self.environ["KILL9_SFTP_PASSWORD"] = self.sp.config.sftp_password
        flow_file.write_text(json.dumps(_flow(self.name, self.out, sftp)), encoding="utf-8")
        added = self.cli("flows", "add", str(flow_file))
        assert added.returncode == 0, added.stderr
        self.dataflow_id = added.stdout.rsplit("id ", 1)[1].strip()

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.root / f"{self.name}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "dataflow.cli.main", "run", self.name], env=self.environ, stdout=log, stderr=log
        )

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.home / "state.db", timeout=30)

    def job_of(self, pid: int) -> dict[str, Any] | None:
        with self.db() as db:
            row = db.execute(
                "SELECT id, status, start_time, end_time FROM jobs WHERE owner LIKE ? AND dataflow_id = ?",
                (f"%:{pid}", self.dataflow_id),
            ).fetchone()
        return None if row is None else dict(zip(("id", "status", "startTime", "endTime"), row, strict=True))

    def watermark(self) -> int | None:
        with self.db() as db:
            row = db.execute(
                "SELECT last_runtime FROM watermarks WHERE dataflow_id = ?", (self.dataflow_id,)
            ).fetchone()
        return None if row is None else int(datetime.fromisoformat(row[0]).timestamp() * 1000)

    def touch(self, rng: random.Random, round_: int, count: int = 30) -> None:
        for index in rng.sample(range(ACCOUNTS), count):
            uid = self.site.uid(index)
            changed = self.site.update_account(uid, {"data": {"round": round_}})
            self.changes.append((uid, int(changed["lastUpdatedTimestamp"])))
        time.sleep(0.002)  # a millisecond clock: the next job's start is strictly after these changes

    def delivered(self) -> dict[str, int]:
        """The newest lastUpdatedTimestamp per UID across the flow's output files under their final names."""
        newest: dict[str, int] = {}
        for path in self.out.glob("accounts_*.csv"):
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    stamp = int(row["lastUpdatedTimestamp"])
                    newest[row["UID"]] = max(stamp, newest.get(row["UID"], 0))
        return newest

    def problems(self) -> Iterator[str]:
        """Whatever is wrong with the state a kill left behind."""
        with self.db() as db:
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            yield f"state.db integrity_check: {integrity}"
        for path in sorted([*self.out.glob("accounts_*.csv"), *self.sp.upload_dir.glob("accounts_*.csv")]):
            job_id = path.stem.removeprefix("accounts_")
            formatted = self.home / "jobs" / job_id / "steps" / "dsv" / path.name
            if not formatted.is_file() or formatted.read_bytes() != path.read_bytes():
                yield f"{path} is not the whole file its job formatted"
        delivered = self.delivered()
        undelivered = [stamp for uid, stamp in self.changes if delivered.get(uid, 0) < stamp]
        watermark = self.watermark()
        if undelivered and watermark is not None and watermark >= min(undelivered):
            yield f"the watermark {watermark} passed an undelivered change at {min(undelivered)}"

    def wait_for_claim(self, process: subprocess.Popen[bytes]) -> dict[str, Any] | None:
        deadline = time.monotonic() + CLAIM_TIMEOUT
        while time.monotonic() < deadline:
            job = self.job_of(process.pid)
            if job is not None or process.poll() is not None:
                return job
            time.sleep(0.005)
        return None

    def job_seconds(self) -> float:
        """How long the flow's latest job took from its claim to its end."""
        with self.db() as db:
            start, end = db.execute(
                "SELECT start_time, end_time FROM jobs WHERE dataflow_id = ? ORDER BY start_time DESC",
                (self.dataflow_id,),
            ).fetchone()
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()

    def soak(self, kills: int, rng: random.Random) -> tuple[list[str], int]:
        """Run, kill, check ``kills`` times, then once cleanly; the kills that did not hold, and how many runs
        had already finished when their kill came."""
        first = self.cli("run", self.name, "--full-extract")
        assert first.returncode == 0, first.stdout + first.stderr
        self.touch(rng, 0)
        calibration = self.cli("run", self.name)  # a delta run like the ones to kill: kills spread over its length
        assert calibration.returncode == 0, calibration.stdout + calibration.stderr
        window = self.job_seconds() * 1.5
        bad: dict[int, list[str]] = {}
        killed: int | None = None  # pid of the process whose job the previous kill left running
        finished = 0
        for round_ in range(1, kills + 1):
            self.touch(rng, round_)
            process = self.start()
            job = self.wait_for_claim(process)
            if killed is not None:
                previous = self.job_of(killed)
                if job is None or previous is None or previous["status"] != "failed":
                    bad.setdefault(round_ - 1, []).append(f"the next run did not take over (job {job})")
            time.sleep(rng.uniform(0.0, window))
            process.send_signal(signal.SIGKILL)
            process.wait()
            finished += process.returncode != -signal.SIGKILL
            job = self.job_of(process.pid)
            killed = process.pid if job is not None and job["status"] == "running" else None
            bad.setdefault(round_, []).extend(self.problems())
        last = self.cli("run", self.name)
        final = bad.setdefault(kills, [])
        if last.returncode != 0:
            final.append(f"the last run failed ({last.returncode}): {last.stderr[-500:]}")
        if killed is not None and (self.job_of(killed) or {}).get("status") != "failed":
            final.append("the last run did not mark the killed job failed")
        delivered = self.delivered()
        missing = [uid for uid, stamp in self.changes if delivered.get(uid, 0) < stamp]
        if missing:
            final.append(f"{len(missing)} changes never delivered, e.g. {missing[:3]}")
        return [f"{self.name} kill {n}: {'; '.join(found)}" for n, found in sorted(bad.items()) if found], finished


def soak(root: Path, kills: int, case: Case, seed: int) -> None:
    sftp_config = SilverpopConfig(contacts=0)
    with (
        GigyaSandbox(accounts=ACCOUNTS, seed=seed, latency_ms=10) as site,
        SilverpopSandbox(sftp_config, clock=Clock(), tick_s=None) as sp,
    ):
        rigs = [Rig(name, root, root / "home", site, sp) for name in ("kill-me-a", "kill-me-b")]
        for rig in rigs:
            rig.add()
        with ThreadPoolExecutor(len(rigs)) as pool:
            outcomes = list(
                pool.map(
                    lambda pair: pair[0].soak(kills // len(rigs), random.Random(pair[1])),
                    zip(rigs, (seed, seed + 1), strict=True),
                )
            )
    failures = [failure for found, _ in outcomes for failure in found]
    check(case, failures, finishedBeforeKill=sum(finished for _, finished in outcomes))


def test_killed_runs_leave_a_consistent_state(tmp_path: Path) -> None:
    soak(tmp_path, KILLS, CASE, seed=20)


@pytest.mark.slow
def test_killed_runs_leave_a_consistent_state_soak(tmp_path: Path) -> None:
    soak(tmp_path, LONG_KILLS, LONG_CASE, seed=21)
