"""Both sandboxes with faults switched on, and the shipped sample flows run between them as a customer would.

The flows are the ones in ``flows/silverpop``, written for ``customer.example.yaml``, whose layout the Silverpop
sandbox starts with; the job's environment points the connections at the sandboxes (as ``tests/silverpop/world.py``
and ``dataflow run --sandbox`` do). Only timing is tuned: retry back-off 1 ms instead of 500 ms (the same number
of attempts unless a case asks for more), job polls every 20 ms, Gigya searches paged by 20 accounts, relational
rows sent 10 a call and import files cut at 5 kB, so that a few hundred accounts take enough calls to meet the
faults.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dataflow.cli.sandbox_run import sandbox_layout
from dataflow.runtime.runner import Runner
from sandbox.gigya import GigyaSandbox
from sandbox.silverpop import FaultConfig, SilverpopConfig, SilverpopSandbox
from tests.silverpop.conftest import run_document
from tests.silverpop.world import EXAMPLE
from tests.silverpop.world import World as SampleFlows


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
    """The sample-flow tests' sandboxes, and how to run a shipped flow between them with the retries a case asks
    for (``run_sample``; the flow's own ``run`` is theirs)."""

    def __init__(self, gigya: GigyaSandbox, silverpop: SilverpopSandbox, work: Path, retries: int) -> None:
        super().__init__(gigya, silverpop, work)
        self.retries = retries

    def document(self, name: str) -> dict[str, Any]:
        document = json.loads((self.flows / name).read_text())
        for step in document["steps"]:
            params = step.setdefault("params", {})
            kind = step["type"]
            if ".gigya." in kind or ".silverpop" in kind:
                params.update(retryBackoffMs=1, maxRetries=self.retries)
            if ".silverpop" in kind:
                params["jobPollSeconds"] = 0.02
            if kind.startswith("datasource.read.gigya."):
                params["batchSize"] = 20
            if kind == "datasource.write.silverpop.table":
                params["rowsPerCall"] = 10
            if kind == "file.format.dsv":
                params["maxFileSize"] = 0.005  # files of ~5 kB: one import (and its calls) per 15 accounts
        return document

    def run_sample(self, name: str, **options: Any) -> tuple[dict[str, Any], Runner]:
        self.runs += 1
        options = {"environ": self.environ, "full_extract": True, "state": self.state, **options}
        return run_document(self.document(name), self.work / f"run{self.runs}", {}, **options)


@contextmanager
def world(work: Path, accounts: int, faults: FaultMix, seed: int = 3) -> Iterator[World]:
    """The example customer's org (seed 1: the SFTP host key the example pins) and ``accounts`` Gigya accounts."""
    layout = sandbox_layout(EXAMPLE)
    config = SilverpopConfig(seed=1, contacts=0, job_waiting_s=0, job_running_s=0, faults=faults.silverpop(), **layout)
    silverpop = SilverpopSandbox(config, tick_s=0.01).start()
    gigya = GigyaSandbox(accounts=accounts, seed=seed, **faults.gigya()).start()
    try:
        yield World(gigya, silverpop, work, faults.retries)
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
