"""Delta extraction across runs against the Gigya sandbox: the watermark moves only on success, so a failed run
in the middle loses nothing, and nothing is read twice once a run has succeeded."""

from __future__ import annotations

import time
from pathlib import Path

from dataflow.runtime.jobs import JobRequest, JobService, resolve
from dataflow.settings import Settings
from dataflow.store import open_store
from sandbox.gigya import GigyaSandbox
from tests.helpers import COLLECTED
from tests.ops.conftest import FailWhen, ops_registry

FLOW = {
    "name": "delta",
    "steps": [
        {
            "id": "account",
            "type": "datasource.read.gigya.account",
            "params": {"select": "UID,lastUpdatedTimestamp", "deltaField": "lastUpdatedTimestamp"},
            "next": ["downstream"],
        },
        {"id": "downstream", "type": "test.failwhen", "params": {}, "next": ["sink"]},
        {"id": "sink", "type": "test.collect", "params": {"name": "delta"}},
    ],
}


def _touch(site: GigyaSandbox, uids: list[str]) -> None:
    time.sleep(0.01)  # a millisecond clock: keep changes strictly after the previous run's start
    for uid in uids:
        site.update_account(uid, {"data": {"touched": True}})
    time.sleep(0.01)


def test_three_runs_with_a_failure_in_the_middle(tmp_path: Path) -> None:
    FailWhen.failing.clear()
    with GigyaSandbox(accounts=50, seed=9) as site:
        environ = site.environ
        store = open_store(tmp_path / "home")
        store.save_flow(FLOW)
        service = JobService(store, Settings(), tmp_path / "jobs", environ=environ, registry=ops_registry())
        target = resolve(store, "delta", {}, registry=service.registry)

        def run(**options: object) -> tuple[dict, list[str]]:
            COLLECTED.clear()
            status = service.run(JobRequest(target=target, **options))
            return status, sorted(record["UID"] for record in COLLECTED.get("delta", []))

        first, read = run(full_extract=True)
        assert first["status"] == "succeeded" and len(read) == 50

        changed_before_failure = [site.uid(i) for i in (1, 2, 3)]
        _touch(site, changed_before_failure)
        FailWhen.failing.set()
        second, _ = run()
        FailWhen.failing.clear()
        assert second["status"] == "failed"
        assert second["deltaSince"] == first["startTime"]

        changed_after_failure = [site.uid(i) for i in (3, 7)]
        _touch(site, changed_after_failure)
        third, read = run()
        assert third["status"] == "succeeded"
        assert third["deltaSince"] == first["startTime"]  # the failed run did not move the window
        assert read == sorted({*changed_before_failure, *changed_after_failure})  # none missed, none twice

        fourth, read = run()
        assert fourth["status"] == "succeeded" and fourth["deltaSince"] == third["startTime"]
        assert read == []  # nothing changed since the last success: nothing read again
        for status in (first, second, third, fourth):
            for step, counts in status["counters"].items():
                assert counts["in"] + counts["added"] == counts["out"] + counts["errors"] + counts["filtered"], step
