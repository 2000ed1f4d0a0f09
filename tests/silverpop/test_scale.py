"""Gigya accounts through outbound-accounts.json into Silverpop, with faults on both sides: 20,000 in the
default run, 100,000 with ``-m slow``.

Silverpop answers 10% of API calls with 503 and revokes some tokens early, its access tokens live only 3 s
(so they expire many times during the run), and every token is revoked once more while the import job runs;
Gigya fails 10% of its calls with transient 5xx errors. The run must still finish with every contact present,
exactly as in Gigya, and every step's counters reconciled.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from dataflow.cli.sandbox_run import sandbox_layout
from sandbox.gigya import GigyaSandbox
from sandbox.silverpop import FaultConfig
from tests.silverpop.conftest import FLOWS, SandboxFactory
from tests.silverpop.test_flows import expected_contact
from tests.silverpop.world import EXAMPLE, World


@pytest.mark.parametrize("accounts", [20_000, pytest.param(100_000, marks=pytest.mark.slow)])
def test_many_accounts_with_token_expiry_and_server_errors(
    sp_factory: SandboxFactory, tmp_path: Path, accounts: int
) -> None:
    # seed 201: the first call alone meets a 503, an early-revoked token and another 503
    faults = FaultConfig(server_error_rate=0.1, token_expiry_rate=0.05, seed=201)
    layout = sandbox_layout(EXAMPLE)
    silverpop = sp_factory(faults, token_ttl_s=3, job_waiting_s=0.2, job_running_s=0.2, seed=1, **layout)
    gigya = GigyaSandbox(accounts=accounts, seed=17, fault_rate=0.1, fault_codes=(500001, 504001)).start()
    world = World(gigya, silverpop, tmp_path, FLOWS)
    stop = threading.Event()

    def revoke_while_the_import_runs() -> None:
        while not stop.wait(0.05):
            if any(job["kind"] == "IMPORT_LIST" for job in silverpop.jobs()):
                silverpop.expire_tokens()
                return

    watcher = threading.Thread(target=revoke_while_the_import_runs, daemon=True)
    watcher.start()
    started = time.perf_counter()
    try:
        status = world.run("outbound-accounts.json", tune={"jobPollSeconds": 0.05, "retryBackoffMs": 50})
    finally:
        stop.set()
        gigya.stop()
    elapsed = time.perf_counter() - started
    counters = status["counters"]
    assert counters["account"]["out"] == accounts
    assert counters["silverpop"] == {
        "in": accounts, "out": accounts, "errors": 0, "filtered": 0, "added": 0, "filesIn": 1, "filesOut": 1
    }  # fmt: skip
    found = {c["fields"]["GigyaUid"]: c["fields"] for c in silverpop.contacts("Gigya Master")}
    assert len(found) == accounts
    generator = gigya.site.accounts.gen
    for index in range(0, accounts, 997):  # every contact is present; a spread sample is compared field by field
        account = generator.account(index)
        assert found[account["UID"]] == expected_contact(account)
    assert {generator.uid(index) for index in range(accounts)} == set(found)
    assert silverpop.fault_counts["server_error"] > 0
    trace = "\n".join(status["trace"]) if isinstance(status["trace"], list) else str(status["trace"])
    assert "retried" in trace and "HTTP 401" in trace  # the revoked token was replaced mid-run
    print(f"{accounts:,} outbound: {elapsed:.1f} s, {accounts / elapsed:,.0f} records/s")
