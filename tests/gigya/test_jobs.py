"""Whole jobs through ``Runner`` against the sandbox: faults, delta runs, authentication failures.

A local file writer (``file.format.dsv`` → ``datasource.write.file``) stands in for the other end of a sync.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sandbox.gigya import GigyaSandbox
from tests.gigya.conftest import FAST_RETRIES, assert_reconciled, read_csv, run_flow, site_environ

TRANSIENT = (403048, 409030, 500001, 500028, 503001, 504001)


@pytest.fixture(scope="module")
def faulty() -> Iterator[GigyaSandbox]:
    """10,000 accounts; 15% of calls answer a transient error and 5% drop the connection."""
    with GigyaSandbox(accounts=10_000, seed=23, fault_rate=0.15, drop_rate=0.05, fault_codes=TRANSIENT) as running:
        yield running


def export_flow(out: Path, reader: dict[str, Any], name: str = "accounts.csv") -> dict[str, Any]:
    return {
        "name": "gigya export",
        "steps": [
            {"id": "account", "type": "datasource.read.gigya.account", "params": reader, "next": ["dsv"]},
            {"id": "dsv", "type": "file.format.dsv", "params": {"fileName": name}, "next": ["file"]},
            {"id": "file", "type": "datasource.write.file", "params": {"path": str(out)}},
        ],
    }


def test_a_10k_read_with_20_percent_faults_loses_and_repeats_nothing(faulty: GigyaSandbox, tmp_path: Path) -> None:
    before = sum(count for kind, count in faulty.faults.counts.items() if kind != "calls")
    reader = {"select": "UID, profile.email", "batchSize": 250, **FAST_RETRIES}
    status = run_flow(export_flow(tmp_path / "out", reader), tmp_path, environ=site_environ(faulty), full_extract=True)
    assert status["status"] == "succeeded", status.get("errorMessage")
    rows = read_csv(tmp_path / "out", "accounts.csv")
    assert len(rows) == 10_000
    assert {row["UID"] for row in rows} == {faulty.uid(i) for i in range(10_000)}
    assert status["counters"]["account"]["out"] == status["counters"]["dsv"]["in"] == 10_000
    assert_reconciled(status)
    injected = sum(count for kind, count in faulty.faults.counts.items() if kind != "calls") - before
    assert injected >= 3  # 40+ pages at 20%: the run really went through faults
    assert any("retried (" in line for line in status["trace"])


def test_a_10k_write_with_20_percent_faults_applies_each_record_once(faulty: GigyaSandbox, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    uids = [faulty.uid(i) for i in range(10_000)]
    lines = ["UID,data.syncRun,profile.city"] + [f"{uid},run-7,City {n}" for n, uid in enumerate(uids)]
    (incoming / "updates.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    writer = {"maxConnections": 20, **FAST_RETRIES}
    flow = {
        "name": "gigya import",
        "steps": [
            {"id": "files", "type": "datasource.read.file", "params": {"path": str(incoming)}, "next": ["parse"]},
            {"id": "parse", "type": "file.parse.dsv", "params": {}, "next": ["write"]},
            {
                "id": "write",
                "type": "datasource.write.gigya.account",
                "params": writer,
                "next": ["ok"],
                "error": ["failed"],
            },
            {"id": "ok", "type": "file.format.dsv", "params": {"fileName": "ok.csv"}, "next": ["file"]},
            {"id": "failed", "type": "file.format.dsv", "params": {"fileName": "failed.csv"}, "next": ["file"]},
            {"id": "file", "type": "datasource.write.file", "params": {"path": str(out)}},
        ],
    }
    calls_before = len(faulty.audit_rows("accounts.setAccountInfo"))
    status = run_flow(flow, tmp_path, environ=site_environ(faulty), full_extract=True)
    assert status["status"] == "succeeded", status.get("errorMessage")
    counts = status["counters"]["write"]
    assert (counts["in"], counts["out"], counts["errors"]) == (10_000, 10_000, 0)
    assert_reconciled(status)
    assert [row["UID"] for row in read_csv(out, "ok.csv")] == uids  # input order, every record once
    assert read_csv(out, "failed.csv") == []
    rows = faulty.audit_rows("accounts.setAccountInfo")[calls_before:]
    applied = [row["uid"] for row in rows if row["errCode"] == "0" and row["errMessage"] == "OK"]  # not drops
    assert len(applied) == len(set(applied)) == 10_000  # each account written exactly once
    assert len(rows) > 10_000  # the faults were there (errors answered; drops are recorded too)
    assert faulty.account(uids[1234])["data"]["syncRun"] == "run-7"
    assert faulty.account(uids[1234])["profile"]["city"] == "City 1234"


def test_delta_runs_read_what_changed_since_the_last_start(sandbox: GigyaSandbox, tmp_path: Path) -> None:
    environ = site_environ(sandbox)
    reader = {"select": "UID, data.segment", "batchSize": 100}
    first = run_flow(export_flow(tmp_path / "one", reader), tmp_path, environ=environ, full_extract=True)
    assert first["status"] == "succeeded" and len(read_csv(tmp_path / "one", "accounts.csv")) == 300
    time.sleep(0.01)
    changed = sorted(sandbox.uid(i) for i in (0, 41, 150, 299))
    for uid in changed:
        sandbox.update_account(uid, {"data": {"segment": "changed"}})
    watermark = datetime.fromisoformat(first["startTime"].replace("Z", "+00:00"))
    second = run_flow(export_flow(tmp_path / "two", reader), tmp_path, environ=environ, watermark=watermark)
    assert second["status"] == "succeeded"
    rows = read_csv(tmp_path / "two", "accounts.csv")
    assert sorted(row["UID"] for row in rows) == changed
    assert all(json.loads(row["data"]) == {"segment": "changed"} for row in rows)
    assert second["deltaSince"] == first["startTime"]
    window = f"lastUpdatedTimestamp > {int(watermark.timestamp() * 1000)}"
    assert any("delta since" in line and window in line for line in second["trace"])
    full = run_flow(export_flow(tmp_path / "all", reader), tmp_path, environ=environ, full_extract=True)
    assert len(read_csv(tmp_path / "all", "accounts.csv")) == 300 and full["deltaSince"] is None


def _no_secret_anywhere(status: dict[str, Any], secret: str) -> None:
    assert secret not in json.dumps(status)
    assert secret not in Path(status["workDir"], "status.json").read_text(encoding="utf-8")


def test_bad_credentials_fail_the_job_at_once_without_leaking_them(sandbox: GigyaSandbox, tmp_path: Path) -> None:
    environ = site_environ(sandbox)
    wrong = "V3JvbmdTZWNyZXRXcm9uZ1NlY3JldA=="
    environ["GIGYA_SECRET"] = wrong
    started = time.monotonic()
    status = run_flow(export_flow(tmp_path / "out", {"select": "UID"}), tmp_path, environ=environ, full_extract=True)
    assert time.monotonic() - started < 5
    assert status["status"] == "failed"
    message = status["errorMessage"]
    assert "step 'account' (datasource.read.gigya.account) failed: Gigya refused accounts.search" in message
    assert "403003" in message and sandbox.config.api_key in message
    _no_secret_anywhere(status, wrong)
    assert len(sandbox.audit_rows("accounts.search")) == 1  # no retry of a credential error


def test_a_writer_with_bad_credentials_fails_the_job_not_each_record(sandbox: GigyaSandbox, tmp_path: Path) -> None:
    incoming = tmp_path / "in"
    incoming.mkdir()
    (incoming / "a.csv").write_text("UID,data.x\n" + "".join(f"{sandbox.uid(i)},1\n" for i in range(50)))
    secret = "QW5vdGhlcldyb25nU2VjcmV0"
    flow = {
        "name": "write",
        "steps": [
            {"id": "files", "type": "datasource.read.file", "params": {"path": str(incoming)}, "next": ["parse"]},
            {"id": "parse", "type": "file.parse.dsv", "params": {}, "next": ["write"]},
            {"id": "write", "type": "datasource.write.gigya.account", "params": {"secret": secret}},
        ],
    }
    status = run_flow(flow, tmp_path, environ=site_environ(sandbox), full_extract=True)
    assert status["status"] == "failed" and "403003" in status["errorMessage"]
    assert status["counters"]["write"]["errors"] == 0
    _no_secret_anywhere(status, secret)


def test_step_credentials_override_the_site_for_cross_site_flows(sandbox: GigyaSandbox, tmp_path: Path) -> None:
    credentials = sandbox.credentials
    environ = {"GIGYA_API_KEY": "3_other-site", "GIGYA_SECRET": "T3RoZXJTaXRlU2VjcmV0", "GIGYA_BASE_URL": sandbox.url}
    reader = {"select": "UID", "apiKey": credentials["apiKey"], "userKey": credentials["userKey"]}
    reader["secret"] = credentials["secret"]
    status = run_flow(export_flow(tmp_path / "out", reader), tmp_path, environ=environ, full_extract=True)
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert len(read_csv(tmp_path / "out", "accounts.csv")) == 300
    _no_secret_anywhere(status, credentials["secret"])


def test_missing_credentials_say_what_to_set(tmp_path: Path) -> None:
    status = run_flow(export_flow(tmp_path / "out", {"select": "UID"}), tmp_path, environ={}, full_extract=True)
    assert status["status"] == "failed"
    assert "no Gigya site: set GIGYA_API_KEY" in status["errorMessage"]
