"""Both sandboxes with a customer's Silverpop layout, and how to run that customer's flows between them.

The Silverpop sandbox starts with the layout of a customer configuration (its databases, tables, ids, client id
and, seeded, the SFTP host key the examples pin), and the job's environment points the connections at the
sandboxes, as ``dataflow run --sandbox`` does; the flows themselves run exactly as written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from phonenumbers import PhoneNumberType

from dataflow.cli.sandbox_run import sandbox_layout
from dataflow.cli.silverpop import load
from dataflow.runtime.state import MemoryState
from sandbox.gigya import GigyaSandbox
from sandbox.silverpop import SilverpopConfig, SilverpopSandbox
from tests.silverpop.conftest import FLOWS, assert_reconciled, run_document

EXAMPLE = load(FLOWS / "customer.example.yaml")
NEWSLETTERS = {item.subscription: item.field for item in EXAMPLE.newsletters}
MASTER = int(EXAMPLE.list_id or 0)
MOBILE, FIXED_LINE_OR_MOBILE = PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE


class World:
    """Both sandboxes, the connector state kept between runs, and how to run a shipped flow between them."""

    def __init__(self, gigya: GigyaSandbox, silverpop: SilverpopSandbox, work: Path, flows: Path = FLOWS) -> None:
        self.gigya, self.sp, self.work, self.flows = gigya, silverpop, work, flows
        self.state = MemoryState()
        self.runs = 0

    @property
    def environ(self) -> dict[str, str]:
        return {
            **self.gigya.environ,
            "SILVERPOP_API_URL": self.sp.url,
            "SILVERPOP_SFTP_HOST": self.sp.host,
            "SILVERPOP_SFTP_PORT": str(self.sp.sftp_port),
            "SILVERPOP_CLIENT_SECRET": self.sp.config.client_secret,
            "SILVERPOP_REFRESH_TOKEN": self.sp.config.refresh_token,
        }

    def run(self, name: str, tune: dict[str, Any] | None = None, **options: Any) -> dict[str, Any]:
        """Run a flow as written; ``tune`` sets timing params (poll, back-off) of its Silverpop steps."""
        document = json.loads((self.flows / name).read_text())
        for step in document["steps"]:
            if ".silverpop" in step["type"] and tune:
                step["params"].update(tune)
        self.runs += 1
        options = {"environ": self.environ, "full_extract": True, "state": self.state, **options}
        status, _ = run_document(document, self.work / f"run{self.runs}", {}, **options)
        assert_reconciled(status)
        text = json.dumps(status)
        assert self.sp.config.client_secret not in text and self.sp.config.refresh_token not in text
        return status

    def uids(self) -> list[str]:
        return [self.gigya.uid(i) for i in range(self.gigya.count())]

    def accounts(self) -> dict[str, dict[str, Any]]:
        return {uid: account for uid in self.uids() if (account := self.gigya.account(uid)) is not None}

    def contacts(self, database: int | str = MASTER) -> dict[str, dict[str, Any]]:
        return {c["fields"]["GigyaUid"]: c for c in self.sp.contacts(database)}

    def jobs(self, kind: str) -> list[dict[str, Any]]:
        return [job for job in self.sp.jobs() if job["kind"] == kind]


def start_world(config_path: Path, accounts: int, work: Path, flows: Path) -> World:
    layout = sandbox_layout(load(config_path))
    config = SilverpopConfig(seed=1, contacts=0, job_waiting_s=0, job_running_s=0, **layout)
    silverpop = SilverpopSandbox(config, tick_s=0.01).start()
    gigya = GigyaSandbox(accounts=accounts, seed=3).start()
    return World(gigya, silverpop, work, flows)
