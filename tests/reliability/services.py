"""Both sandboxes with faults switched on, and the shipped sample flows run between them as a customer would.

The flows are the ones in ``flows/silverpop`` filled from ``customer.example.yaml`` (ids swapped for the
sandbox's, secrets read through ``${env:...}``); only the connection is pointed at the sandbox and the retry
back-off shortened (1 ms instead of 500 ms, the same number of attempts unless a case asks for more) and Gigya
searches paged by 20 accounts and relational rows sent 10 a call, so that a few hundred accounts take enough
calls to meet the faults.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dataflow.runtime.runner import Runner
from sandbox.gigya import GigyaSandbox
from sandbox.silverpop import FaultConfig, ManualClock, SilverpopConfig, SilverpopSandbox
from tests.silverpop.conftest import DATABASES, FLOWS, connection, run_document

CONFIG = yaml.safe_load((FLOWS / "customer.example.yaml").read_text())


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


class World:
    """A Gigya site and a Silverpop org, and how to run a sample flow between them."""

    def __init__(self, gigya: GigyaSandbox, silverpop: SilverpopSandbox, work: Path, retries: int) -> None:
        self.gigya, self.sp, self.work, self.retries = gigya, silverpop, work, retries
        self.runs = 0

    @property
    def variables(self) -> dict[str, Any]:
        tables = self.sp.tables
        return {
            **CONFIG,
            "clientId": self.sp.config.client_id,
            "listId": self.sp.lists["Gigya Master"],
            "likesTableId": tables["Likes"],
            "favoritesTableId": tables["Favorites"],
            "gmTableId": tables["GM"],
            "signalsTableId": tables["Signals"],
        }

    @property
    def environ(self) -> dict[str, str]:
        return {
            **self.gigya.environ,
            "SILVERPOP_CLIENT_SECRET": self.sp.config.client_secret,
            "SILVERPOP_REFRESH_TOKEN": self.sp.config.refresh_token,
        }

    def document(self, name: str) -> dict[str, Any]:
        document = json.loads((FLOWS / name).read_text())
        pointed = {
            key: value
            for key, value in connection(self.sp).items()
            if key not in ("clientId", "clientSecret", "refreshToken")
        }
        for step in document["steps"]:
            params = step.setdefault("params", {})
            if ".silverpop" in step["type"]:
                params.pop("podNumber", None)
                params.update(pointed)
            if ".gigya." in step["type"]:
                params["retryBackoffMs"] = 1
            if step["type"].startswith("datasource.read.gigya."):
                params["batchSize"] = 20
            if step["type"] == "datasource.write.silverpop.table":
                params["rowsPerCall"] = 10
            if ".gigya." in step["type"] or ".silverpop" in step["type"]:
                params["maxRetries"] = self.retries
        return document

    def run(self, name: str, **options: Any) -> tuple[dict[str, Any], Runner]:
        self.runs += 1
        options = {"environ": self.environ, "full_extract": True, **options}
        return run_document(self.document(name), self.work / f"run{self.runs}", self.variables, **options)

    def gigya_accounts(self) -> dict[str, dict[str, Any]]:
        return {uid: self.gigya.account(uid) for uid in (self.gigya.uid(i) for i in range(self.gigya.count()))}


@contextmanager
def world(work: Path, accounts: int, faults: FaultMix, seed: int = 3) -> Iterator[World]:
    clock = ManualClock(1_700_000_000.0)
    config = SilverpopConfig(
        seed=seed, contacts=0, databases=DATABASES, job_waiting_s=0, job_running_s=0, faults=faults.silverpop()
    )
    silverpop = SilverpopSandbox(config, clock=clock, tick_s=0.01).start()
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
