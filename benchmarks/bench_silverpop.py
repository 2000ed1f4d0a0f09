"""The Silverpop outbound flow end to end: 100,000 Gigya accounts into a Silverpop database, and where time goes.

Why: an outbound sync is Gigya reads, record transforms, DSV formatting, then the Silverpop writer's own work
(rewriting the file as Silverpop reads it, SFTP upload, the ImportList job, reading .res/.err). Only the first
and the import job are other systems' time; this splits the wall time so a regression in our part shows.
It runs ``flows/silverpop/outbound-accounts.json`` as shipped (connection pointed at the sandboxes through the
job's environment, the Silverpop sandbox started with the example configuration's layout) between the Gigya
sandbox and the Silverpop sandbox on loopback. ``opt-out export`` is the writer's RawRecipientDataExport of
recent opt-outs (so it never pushes a value older than one).

Split: ``gigya read`` is time spent inside the reader's ``read()`` (Gigya calls and paging), ``dsv format``
inside ``file.format.dsv``; the writer reports ``prepare``, ``upload``, ``import job`` (submit to COMPLETE, as
polled) and ``results``; ``transforms`` is the rest (field.evaluate, rename, date, remove, and the engine).
The import job's time includes the polling granularity (first GetJobStatus after ``--poll`` seconds, then
half as long again each time, as shipped); ``--poll 0.1`` shows the sandbox's own processing time.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_silverpop [--accounts 100000] [--poll 2] [--faults] [--json]

Nothing here asserts on time: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from dataflow.cli.sandbox_run import sandbox_layout
from dataflow.cli.silverpop import load
from dataflow.component import Record
from dataflow.files import FileRef
from dataflow.registry import Registry
from dataflow.runtime.runner import Runner, RunOptions
from dataflow.validation import validate_text
from sandbox.gigya import GigyaSandbox
from sandbox.silverpop import FaultConfig, SilverpopConfig, SilverpopSandbox
from sandbox.silverpop.clock import Clock
from steps.file.format_dsv import FormatDsv
from steps.gigya.read import ReadAccounts
from tests.silverpop.conftest import FLOWS, REGISTRY, gigya_environ

SPENT: dict[str, float] = {}


class TimedRead(ReadAccounts):
    """The account reader, with the time spent producing each page (not the downstream work) added up."""

    type: ClassVar[str] = "datasource.read.gigya.account"

    def read(self) -> Iterator[list[Record]]:
        pages = super().read()
        while True:
            started = time.perf_counter()
            page = next(pages, None)
            SPENT["gigya read"] = SPENT.get("gigya read", 0.0) + time.perf_counter() - started
            if page is None:
                return
            yield page


class TimedDsv(FormatDsv):
    type: ClassVar[str] = "file.format.dsv"

    def write(self, records: list[Record]) -> list[FileRef]:
        started = time.perf_counter()
        try:
            return super().write(records)
        finally:
            SPENT["dsv format"] = SPENT.get("dsv format", 0.0) + time.perf_counter() - started

    def finish_files(self) -> list[FileRef]:
        started = time.perf_counter()
        try:
            return super().finish_files()
        finally:
            SPENT["dsv format"] = SPENT.get("dsv format", 0.0) + time.perf_counter() - started


def registry() -> Registry:
    return REGISTRY.extended({TimedRead.type: TimedRead, TimedDsv.type: TimedDsv})


def measure(accounts: int, faults: bool, poll: float, log: Any) -> dict[str, Any]:
    SPENT.clear()
    fault_config = FaultConfig(server_error_rate=0.1, token_expiry_rate=0.05, seed=201) if faults else FaultConfig()
    layout = sandbox_layout(load(FLOWS / "customer.example.yaml"))  # the org the shipped flow expects
    config = SilverpopConfig(contacts=0, job_waiting_s=0.2, job_running_s=0.2, faults=fault_config, **layout)
    started = time.perf_counter()
    gigya = GigyaSandbox(
        accounts=accounts, seed=17, **({"fault_rate": 0.1, "fault_codes": (500001,)} if faults else {})
    )
    gigya.start()
    silverpop = SilverpopSandbox(config, clock=Clock(), tick_s=0.02).start()
    log(f"sandboxes up in {time.perf_counter() - started:.2f} s ({accounts:,} Gigya accounts)")
    try:
        document = json.loads((FLOWS / "outbound-accounts.json").read_text())
        for step in document["steps"]:
            if step["type"] == "datasource.write.silverpop":
                step["params"].update({"jobPollSeconds": poll, "retryBackoffMs": 500})
        sp = silverpop.config
        environ = {
            **gigya_environ(gigya),
            "SILVERPOP_API_URL": silverpop.url,
            "SILVERPOP_SFTP_HOST": silverpop.host,
            "SILVERPOP_SFTP_PORT": str(silverpop.sftp_port),
            "SILVERPOP_CLIENT_SECRET": sp.client_secret,
            "SILVERPOP_REFRESH_TOKEN": sp.refresh_token,
        }
        validated = validate_text(json.dumps(document), "outbound-accounts.json", {}, registry())
        assert validated.ok, [d.format() for d in validated.diagnostics]
        with tempfile.TemporaryDirectory(prefix="bench-silverpop-") as work:
            runner = Runner(
                validated,
                RunOptions(work_root=Path(work), environ=environ, full_extract=True),
            )
            started = time.perf_counter()
            status = runner.run()
            total = time.perf_counter() - started
        if status["status"] != "succeeded":
            raise SystemExit(f"the run failed: {status.get('errorMessage')}")
        writer = runner.components["silverpop"]
        contacts = len(silverpop.contacts("Gigya Master"))
        sent = accounts - status["counters"]["account"]["filtered"]  # accounts that withdrew the required consent
        if contacts != sent or status["counters"]["silverpop"]["out"] != sent:
            raise SystemExit(f"expected {accounts:,} contacts, Silverpop holds {contacts:,}")
        split = {
            "gigya read": SPENT.get("gigya read", 0.0),
            "dsv format": SPENT.get("dsv format", 0.0),
            "opt-out export": writer.timings.get("opt-outs", 0.0),
            "writer prepare": writer.timings.get("prepare", 0.0) - writer.timings.get("opt-outs", 0.0),
            "upload": writer.timings.get("upload", 0.0),
            "import job": writer.timings.get("import", 0.0),
            "results": writer.timings.get("results", 0.0),
        }
        split["transforms + engine"] = max(0.0, total - sum(split.values()))
        return {
            "accounts": accounts,
            "faults": faults,
            "seconds": total,
            "records_per_second": accounts / total,
            "split_seconds": split,
            "job_poll_seconds": poll,
            "fault_counts": silverpop.fault_counts,
        }
    finally:
        gigya.stop()
        silverpop.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--faults", action="store_true", help="10%% 5xx on both sides, early token revocations")
    parser.add_argument("--poll", type=float, default=2.0, help="jobPollSeconds of the writer (2 as shipped)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    args = parser.parse_args(argv)
    result = measure(args.accounts, args.faults, args.poll, lambda message: print(message, file=sys.stderr))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{result['accounts']:,} accounts in {result['seconds']:.1f} s: {result['records_per_second']:,.0f} records/s"
    )
    for name, seconds in result["split_seconds"].items():
        print(f"  {name:<22} {seconds:7.2f} s  {100 * seconds / result['seconds']:5.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
