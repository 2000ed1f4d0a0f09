"""flows/azure/import-accounts.json end to end, in the style of SAP's toolkit account import: a CSV in an Azure
container (azurite) is parsed, reshaped by record.evaluate steps, checked against Gigya by UID (the Gigya
sandbox), imported with accounts.importFullAccount, and reported as Success_/Error_ CSV files back in the
container. Assertions are on both services' state and the reports' rows."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dataflow.runtime.runner import Runner, RunOptions
from dataflow.validation import validate_text
from sandbox.gigya import GigyaSandbox
from tests.storage.import_scripts import SCRIPTS
from tests.storage.service import AzureStandIn

FLOW = Path(__file__).resolve().parents[2] / "flows" / "azure" / "import-accounts.json"
HEADER = [
    "UID",
    "profile.email",
    "profile.firstName",
    "profile.gender",
    "data.loyaltyTier",
    "subscriptions.newsletterWeekly.email.isSubscribed",
]


@pytest.fixture
def gigya() -> Iterator[GigyaSandbox]:
    with GigyaSandbox(accounts=10, seed=44) as site:
        yield site


def run(azure: AzureStandIn, gigya: GigyaSandbox, container: str, work: Path, **options: Any) -> dict[str, Any]:
    variables = {
        "accountName": azure.server.account_name,
        "container": container,
        "importPrefix": "imports/",
        "fileNameRegex": ".*\\.csv",
        "reportPrefix": "reports/",
    }
    environ = {
        **gigya.environ,
        "AZURE_STORAGE_KEY": azure.server.account_key,
        "AZURE_STORAGE_BLOB_ENDPOINT": azure.server.endpoint,
    }
    validated = validate_text(FLOW.read_text(), str(FLOW), variables)
    assert validated.ok, [d.format() for d in validated.diagnostics]
    status = Runner(validated, RunOptions(work_root=work, environ=environ, **options)).run()
    for step, counts in status["counters"].items():
        assert counts["in"] + counts["added"] == counts["out"] + counts["errors"] + counts["filtered"], step
    assert azure.server.account_key not in json.dumps(status)
    return status


def report(azure: AzureStandIn, container: str, prefix: str) -> list[dict[str, str]]:
    [name] = [name for name in azure.names(container) if name.startswith(f"reports/{prefix}_importFullAccount_")]
    return list(csv.DictReader(io.StringIO(azure.get(container, name).decode())))


def test_the_flow_holds_the_readable_scripts() -> None:
    steps = {step["id"]: step for step in json.loads(FLOW.read_text())["steps"]}
    for step_id, script in SCRIPTS.items():
        assert base64.b64decode(steps[step_id]["params"]["script"]).decode() == script, step_id


def test_import_accounts_from_azure_with_reports(azure: AzureStandIn, gigya: GigyaSandbox, tmp_path: Path) -> None:
    container = azure.container()
    known = [gigya.uid(index) for index in range(3)]
    rows = [
        [known[0], "", "Annie", "f", "gold", "TRUE"],  # updates: first name, loyalty, subscription
        [known[1], "", "Bert", "", "silver", ""],
        [known[2], "", "Cleo", "x", "", ""],  # Gigya refuses gender "x": the import fails, reported
        ["not-a-known-uid", "", "Dan", "", "", ""],  # the lookup finds no account: reported
        ["", "new.one@example.com", "Eve", "f", "bronze", "FALSE"],  # new accounts, created by the import
        ["", "new.two@example.com", "Finn", "m", "", ""],
        ["", "", "Gus", "", "", ""],  # neither UID nor email: refused by the script
    ]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([HEADER, *rows])
    azure.put(container, "imports/accounts.csv", text.getvalue().encode())
    azure.put(container, "imports/notes.txt", b"not an import file")
    before = gigya.count()

    status = run(azure, gigya, container, tmp_path / "run1", full_extract=True)

    assert status["status"] == "succeeded", status.get("errorMessage")
    counters = status["counters"]
    assert counters["01 Read account files"]["filesOut"] == 1
    assert counters["02 Parse CSV"]["out"] == 7
    assert counters["05 Look up UID"]["errors"] == 1
    assert counters["06 Import account"]["out"] == 4 and counters["06 Import account"]["errors"] == 1
    # Gigya now holds what the file said
    annie = gigya.account(known[0])
    assert annie["profile"]["firstName"] == "Annie" and annie["data"]["loyaltyTier"] == "gold"
    assert annie["subscriptions"]["newsletterWeekly"]["email"]["isSubscribed"] is True
    assert gigya.account(known[1])["profile"]["firstName"] == "Bert"
    assert gigya.account(known[2])["profile"]["firstName"] != "Cleo"
    assert gigya.count() == before + 2
    # the reports, back in the container beside the imports
    success = report(azure, container, "Success")
    assert len(success) == 4 and all(row["status"] == "imported" and row["callId"] for row in success)
    new_uids = {row["UID"] for row in success if row["email"].startswith("new.")}
    assert {row["UID"] for row in success} == {known[0], known[1], *new_uids} and len(new_uids) == 2
    created = {gigya.account(uid)["profile"]["email"] for uid in new_uids}
    assert created == {"new.one@example.com", "new.two@example.com"}
    errors = {row["UID"] or row["email"] or "?": row for row in report(azure, container, "Error")}
    assert errors["not-a-known-uid"]["errorMessage"].startswith("no account matches")
    assert errors["not-a-known-uid"]["step"] == "05 Look up UID"
    assert errors[known[2]]["errorCode"] == "400009" and errors[known[2]]["step"] == "06 Import account"
    assert errors["?"]["errorMessage"] == "a new account needs profile.email"
    assert len(errors) == 3


def test_a_later_run_reads_only_files_changed_since(azure: AzureStandIn, gigya: GigyaSandbox, tmp_path: Path) -> None:
    container = azure.container()
    azure.put(container, "imports/old.csv", b"UID,profile.firstName\n" + gigya.uid(5).encode() + b",Old\n")
    status = run(azure, gigya, container, tmp_path / "run2", watermark=datetime.now(UTC).replace(year=2100))
    assert status["status"] == "succeeded"
    assert status["counters"]["01 Read account files"]["filesOut"] == 0
    assert [name for name in azure.names(container) if name.startswith("reports/")] == []  # no empty reports
