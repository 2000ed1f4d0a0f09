"""Both sandboxes with faults switched on, and the shipped sample flows run between them as a customer would.

The flows are the ones in ``flows/silverpop`` filled from ``customer.example.yaml`` (ids swapped for the
sandbox's, secrets read through ``${env:...}``); only the connection is pointed at the sandbox and the retry
back-off shortened (1 ms instead of 500 ms, the same number of attempts unless a case asks for more) and Gigya
searches paged by 20 accounts and relational rows sent 10 a call, so that a few hundred accounts take enough
calls to meet the faults.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dataflow.runtime.runner import Runner
from sandbox.gigya import GigyaSandbox
from sandbox.silverpop import FaultConfig, ManualClock, SilverpopConfig, SilverpopSandbox
from tests.silverpop.conftest import DATABASES, run_document
from tests.silverpop.test_flows import World as SampleFlows


@dataclass(frozen=True)
class FaultMix:
    """A share of transient faults per call, split over the kinds each service can inject."""

    rate: float
    retries: int = 10

    def gigya(self) -> dict[str, float]:
        # errors answered (403048/500001/504001 ...), connections dropped before the call, answers lost after it
        return {"fault_rate": self.rate * 0.6, "drop_rate": self.rate * 0.2, "lost_rate": self.rate * 0.2}

    def silverpop(self) -> FaultConfig:
        return FaultConfig(
            server_error_rate=self.rate * 0.6,
            token_expiry_rate=self.rate * 0.2,
            lost_answer_rate=self.rate * 0.2,
        )


class World(SampleFlows):
    """A Gigya site and a Silverpop org (their flow variables and environment as the sample-flow tests have them),
    and how to run a sample flow between them with the retries a case asks for."""

    def __init__(self, gigya: GigyaSandbox, silverpop: SilverpopSandbox, clock: ManualClock, work: Path, retries: int):
        super().__init__(gigya, silverpop, clock, work)
        self.retries = retries

    def document(self, name: str) -> dict[str, Any]:
        document = super().document(name)
        for step in document["steps"]:
            params = step.setdefault("params", {})
            if ".gigya." in step["type"]:
                params["retryBackoffMs"] = 1
            if step["type"].startswith("datasource.read.gigya."):
                params["batchSize"] = 20
            if step["type"] == "datasource.write.silverpop.table":
                params["rowsPerCall"] = 10
            if ".gigya." in step["type"] or ".silverpop" in step["type"]:
                params["maxRetries"] = self.retries
        return document

    def run_sample(self, name: str, **options: Any) -> tuple[dict[str, Any], Runner]:
        self.runs += 1
        options = {"environ": self.environ, "full_extract": True, **options}
        return run_document(self.document(name), self.work / f"run{self.runs}", self.variables, **options)


@contextmanager
def world(work: Path, accounts: int, faults: FaultMix, seed: int = 3) -> Iterator[World]:
    clock = ManualClock(1_700_000_000.0)
    config = SilverpopConfig(
        seed=seed, contacts=0, databases=DATABASES, job_waiting_s=0, job_running_s=0, faults=faults.silverpop()
    )
    silverpop = SilverpopSandbox(config, clock=clock, tick_s=0.01).start()
    gigya = GigyaSandbox(accounts=accounts, seed=seed, **faults.gigya()).start()
    try:
        yield World(gigya, silverpop, clock, work, faults.retries)
    finally:
        gigya.stop()
        silverpop.stop()


def reconcile(status: dict[str, Any]) -> list[str]:
    """Steps whose counters do not add up (in + added = out + errors + filtered), as messages."""
    return [
        f"step {step_id}: counters do not reconcile: {counts}"
        for step_id, counts in status["counters"].items()
        if counts["in"] + counts["added"] != counts["out"] + counts["errors"] + counts["filtered"]
    ]


def dataflow_cli(environ: Mapping[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``dataflow ARGS`` in a process of its own, as a user runs it; its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "dataflow.cli.main", *args],
        env=dict(environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Witness:
    """A loopback HTTP server that notes every request's path and answers from ``answers`` (path prefix -> body).

    It stands in for whatever a hostile input might reach out to (so a test can see that nothing did), and for
    a hostile service (answering each call with what the test sets).
    """

    def __init__(self, answers: Mapping[str, bytes] | None = None) -> None:
        witness = self
        self.answers: dict[str, bytes] = dict(answers or {})
        self.requested: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                witness.requested.append(self.path)
                body = next((b for prefix, b in witness.answers.items() if self.path.startswith(prefix)), b"")
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
