"""The public IdentitySync templates silverpop-outbound.json and silverpop-inbound.json, run unchanged apart from
their connection params (credentials, SFTP host and user, the list id, plus our apiUrl/port/host key pointing at
the sandbox), between the Gigya and Silverpop sandboxes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.gigya import GigyaSandbox
from sandbox.silverpop import ManualClock, SilverpopConfig, SilverpopSandbox
from tests.silverpop.conftest import (
    DATABASES,
    TEMPLATES,
    assert_reconciled,
    client_for,
    connection,
    gigya_environ,
    load_template,
    run_document,
    upsert,
)

pytestmark = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="reference templates not present")
CONNECTION_PARAMS = {"clientId", "clientSecret", "refreshToken", "host", "username", "password", "listId"}


@pytest.fixture
def sandboxes() -> Iterator[tuple[GigyaSandbox, SilverpopSandbox]]:
    config = SilverpopConfig(contacts=0, databases=DATABASES, job_waiting_s=0, job_running_s=0)
    silverpop = SilverpopSandbox(config, clock=ManualClock(), tick_s=0.01).start()
    gigya = GigyaSandbox(accounts=30, seed=9).start()
    yield gigya, silverpop
    gigya.stop()
    silverpop.stop()


def pointed(name: str, sandbox: SilverpopSandbox) -> dict[str, Any]:
    """The template with its Silverpop step's "..." connection values filled in; nothing else touched."""
    document = load_template(name)
    [step] = [step for step in document["steps"] if ".silverpop" in step["type"]]
    placeholders = {key for key, value in step["params"].items() if value == "..."}
    assert placeholders == CONNECTION_PARAMS
    step["params"].update(
        {
            **connection(sandbox, oauth=False),
            "listId": str(sandbox.lists["Gigya Master"]),
        }
    )
    assert step["params"]["podNumber"] == 5  # left as written: apiUrl overrides the pod's host
    return document


def test_outbound_then_inbound_templates(sandboxes: tuple[GigyaSandbox, SilverpopSandbox], tmp_path: Path) -> None:
    gigya, silverpop = sandboxes
    environ = gigya_environ(gigya)
    status, _ = run_document(
        pointed("silverpop-outbound.json", silverpop), tmp_path / "out", environ=environ, full_extract=True
    )
    assert_reconciled(status)
    uids = [gigya.uid(i) for i in range(30)]
    before = {uid: gigya.account(uid) for uid in uids}
    found = {c["fields"]["GigyaUid"]: c["fields"] for c in silverpop.contacts("Gigya Master")}
    assert {uid: (f["EMAIL"], f["Subscribed"]) for uid, f in found.items()} == {
        uid: (a["profile"]["email"], "Yes" if a["data"]["subscribed"] == "true" else "No") for uid, a in before.items()
    }

    flipped = uids[:4]
    client = client_for(silverpop)
    for uid in flipped:
        upsert(
            client,
            silverpop.lists["Gigya Master"],
            GigyaUid=uid,
            Subscribed="No" if found[uid]["Subscribed"] == "Yes" else "Yes",
        )
    status, _ = run_document(pointed("silverpop-inbound.json", silverpop), tmp_path / "in", environ=environ)
    assert_reconciled(status)
    assert status["counters"]["account"]["out"] == 30
    after = {uid: gigya.account(uid) for uid in uids}
    for uid in uids:
        expected = before[uid]["data"]["subscribed"]
        if uid in flipped:
            expected = "false" if expected == "true" else "true"
        assert after[uid]["data"]["subscribed"] == expected, uid
        assert after[uid]["profile"] == before[uid]["profile"]
        assert after[uid]["subscriptions"] == before[uid]["subscriptions"]
