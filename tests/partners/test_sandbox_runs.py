"""``dataflow run flows/<partner>/<flow>.json --sandbox`` for every partner sample flow: the partner's stand-in
starts beside the Gigya and Silverpop sandboxes (seeded where an inbound flow reads it), the job reaches it through
the flow's example configuration, and what the job did is read back through the partner's own client (plain HTTP
for Constant Contact and Marketing Cloud; BlueKai's stand-in directly, as the template tests do) and on the Gigya
accounts. The sandboxes are started by the test around the CLI's own run, so they can be read before they stop."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dataflow.cli.main import build_parser, main
from dataflow.cli.run_command import run_in_sandbox
from dataflow.cli.sandbox_run import DEMO_ACCOUNTS, DEMO_DELETED, Demo, demo_services, flow_step_types
from sandbox.mailchimp import subscriber_hash
from tests.partners import stand_ins

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 30  # generated; all those the demo keeps are the partner's demo members too (it seeds up to 100)


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(os, "environ", os.environ.copy())  # --sandbox sets the connections in the process


def run(flow: str, capsys: pytest.CaptureFixture, check: Callable[[Demo, dict[str, Any]], None]) -> dict[str, Any]:
    """``dataflow run flows/FLOW --sandbox --json`` against sandboxes this test started, then ``check``."""
    path = ROOT / "flows" / flow
    args = build_parser().parse_args(["run", str(path), "--sandbox", "--json"])
    with demo_services(flow_step_types(str(path)), accounts=ACCOUNTS) as demo:
        assert run_in_sandbox(args, demo) == 0
        status = json.loads(capsys.readouterr().out)
        for step_id, counts in status["counters"].items():
            assert counts["in"] + counts["added"] == counts["out"] + counts["errors"] + counts["filtered"], step_id
        assert status["failedRecords"] == 0
        check(demo, status)
    return status


def accounts(demo: Demo) -> list[dict[str, Any]]:
    """The demo site's accounts (the demo deletes a few of them again)."""
    found = [demo.gigya.account(demo.gigya.uid(i)) for i in range(ACCOUNTS)]
    return [account for account in found if account is not None]


def subscribed(account: dict[str, Any]) -> bool:
    return str(account.get("data", {}).get("subscribed")).lower() == "true"


# -- Mailchimp -------------------------------------------------------------------------------------------------------
def test_mailchimp_outbound(capsys: pytest.CaptureFixture) -> None:
    def check(demo: Demo, status: dict[str, Any]) -> None:
        sandbox = demo.partner("Mailchimp")
        client = stand_ins.mailchimp_client(sandbox)
        assert status["counters"]["mailchimp"]["out"] == len(accounts(demo))
        for account in accounts(demo):
            member = client.lists.get_list_member(sandbox.list_id, subscriber_hash(account["profile"]["email"]))
            assert member["merge_fields"]["UID"] == account["UID"]
            assert member["merge_fields"]["LNAME"] == account["profile"].get("lastName", "")
            assert member["status"] == ("subscribed" if subscribed(account) else "unsubscribed")

    run("mailchimp/outbound.json", capsys, check)


def test_mailchimp_inbound(capsys: pytest.CaptureFixture) -> None:
    def check(demo: Demo, status: dict[str, Any]) -> None:
        sandbox = demo.partner("Mailchimp")
        members = stand_ins.mailchimp_client(sandbox).lists.get_list_members_info(sandbox.list_id, count=1000)
        assert status["counters"]["gigya"]["out"] == len(members["members"]) == len(accounts(demo))
        changed = 0
        for member in members["members"]:
            account = demo.gigya.account(member["merge_fields"]["UID"])
            assert account["data"]["subscribeToOurNewsletter"] is (member["status"] == "subscribed")
            changed += (member["status"] == "subscribed") != subscribed(account)
        assert changed > 0  # some members changed their minds in Mailchimp, and Gigya now knows

    run("mailchimp/inbound.json", capsys, check)


# -- Marketo ---------------------------------------------------------------------------------------------------------
def leads(demo: Demo, fields: str) -> list[dict[str, Any]]:
    """The demo accounts' leads, through marketorestpython."""
    emails = [a["profile"]["email"] for a in accounts(demo)]
    client = stand_ins.marketo_client(demo.partner("Marketo"))
    return client.get_multiple_leads_by_filter_type("email", emails, fields=fields)


def test_marketo_outbound(capsys: pytest.CaptureFixture) -> None:
    def check(demo: Demo, status: dict[str, Any]) -> None:
        by_email = {lead["email"]: lead for lead in leads(demo, "email,gUID,unsubscribed,city")}
        for account in accounts(demo):
            lead = by_email[account["profile"]["email"]]
            assert lead["gUID"] == account["UID"] and lead["city"] == account["profile"].get("city")
            assert lead["unsubscribed"] is not subscribed(account)

    run("marketo/outbound.json", capsys, check)


def test_marketo_inbound(capsys: pytest.CaptureFixture) -> None:
    def check(demo: Demo, status: dict[str, Any]) -> None:
        found = leads(demo, "gUID,unsubscribed,city,address")
        assert status["counters"]["account"]["out"] == len(found) == len(accounts(demo))
        for lead in found:
            account = demo.gigya.account(lead["gUID"])
            assert account["profile"]["city"] == lead["city"] and account["profile"]["address"] == lead["address"]
            assert account["data"]["emailSubscribed"] is not lead["unsubscribed"]
        assert {lead["city"] for lead in found} >= {"Lisbon"}  # the demo leads that moved, as Marketo knows them

    run("marketo/inbound.json", capsys, check)


# -- Campaign Monitor ------------------------------------------------------------------------------------------------
def test_campaignmonitor_outbound(capsys: pytest.CaptureFixture) -> None:
    def check(demo: Demo, status: dict[str, Any]) -> None:
        sandbox = demo.partner("Campaign Monitor")
        with stand_ins.createsend_client(sandbox) as createsend:
            auth = {"api_key": sandbox.api_key}
            for account in accounts(demo):
                found = createsend.Subscriber(auth, sandbox.list_id, account["profile"]["email"]).get()
                assert {f.Key: f.Value for f in found.CustomFields}["GigyaUID"] == account["UID"]
                assert found.State == ("Active" if subscribed(account) else "Unsubscribed")

    run("campaignmonitor/outbound.json", capsys, check)


def test_campaignmonitor_inbound(capsys: pytest.CaptureFixture) -> None:
    def check(demo: Demo, status: dict[str, Any]) -> None:
        sandbox = demo.partner("Campaign Monitor")
        with stand_ins.createsend_client(sandbox) as createsend:
            gone = createsend.List({"api_key": sandbox.api_key}, sandbox.list_id).unsubscribed().Results
        assert 0 < status["counters"]["account"]["out"] == len(gone) < len(accounts(demo))
        for subscriber in gone:
            uid = {f.Key: f.Value for f in subscriber.CustomFields}["GigyaUID"]
            assert demo.gigya.account(uid)["data"]["subscribed"] == "false"

    run("campaignmonitor/inbound.json", capsys, check)


# -- Constant Contact ------------------------------------------------------------------------------------------------
def contacts(sandbox: Any) -> list[dict[str, Any]]:
    session = stand_ins.constantcontact_session(sandbox)
    query = {"lists": sandbox.list_id, "status": "all", "include": "custom_fields,list_memberships", "limit": 500}
    return session.get(f"{sandbox.url}/v3/contacts", params=query, timeout=10).json()["contacts"]


def test_constantcontact_outbound(capsys: pytest.CaptureFixture) -> None:
    def check(demo: Demo, status: dict[str, Any]) -> None:
        on_list = {c["email_address"]["address"]: c for c in contacts(demo.partner("Constant Contact"))}
        for account in accounts(demo):
            contact = on_list.get(account["profile"]["email"])
            assert (contact is not None) == subscribed(account) or (
                contact is not None and contact["email_address"]["permission_to_send"] == "unsubscribed"
            )  # an opted-out demo contact stays unsubscribed: an import never re-subscribes anyone
            if contact is not None:
                assert [f["value"] for f in contact["custom_fields"]] == [account["UID"]]

    run("constantcontact/outbound.json", capsys, check)


def test_constantcontact_inbound(capsys: pytest.CaptureFixture) -> None:
    def check(demo: Demo, status: dict[str, Any]) -> None:
        found = contacts(demo.partner("Constant Contact"))
        assert status["counters"]["account"]["out"] == len(found) == len(accounts(demo))
        for contact in found:
            account = demo.gigya.account(contact["custom_fields"][0]["value"])
            assert account["profile"]["email"] == contact["email_address"]["address"]
            assert account["data"]["subscribed"] is (contact["email_address"]["permission_to_send"] != "unsubscribed")

    run("constantcontact/inbound.json", capsys, check)


# -- write-only partners ---------------------------------------------------------------------------------------------
def test_salesforce_outbound(capsys: pytest.CaptureFixture) -> None:
    def check(demo: Demo, status: dict[str, Any]) -> None:
        client = stand_ins.salesforce_client(demo.partner("Salesforce"))
        for account in accounts(demo):
            found = client.Account.get_by_custom_id("ZZ00_rtl_id__c", account["UID"])
            assert found["Unique_Email_Gigya__c"] == account["profile"]["email"]
            assert found["PersonMailingCity"] == account["profile"].get("city")
        assert client.query("SELECT Id FROM Account")["totalSize"] == len(accounts(demo))

    run("salesforce/outbound.json", capsys, check)


def test_marketing_cloud_outbound(capsys: pytest.CaptureFixture) -> None:
    def check(demo: Demo, status: dict[str, Any]) -> None:
        sandbox = demo.partner("Marketing Cloud")
        rowset = f"{sandbox.url}/data/v1/customobjectdata/key/GigyaSubscribers/rowset"
        rows = stand_ins.sfmc_session(sandbox).get(rowset, timeout=10).json()["items"]
        by_guid = {row["keys"]["guid"]: row for row in rows}
        assert len(rows) == len(accounts(demo))
        for account in accounts(demo):
            assert by_guid[account["UID"]]["keys"]["email"] == account["profile"]["email"]
            assert by_guid[account["UID"]]["values"]["lname"] == account["profile"].get("lastName", "")

    run("exacttarget/outbound.json", capsys, check)


def test_bluekai_outbound(capsys: pytest.CaptureFixture) -> None:
    def check(demo: Demo, status: dict[str, Any]) -> None:
        sandbox = demo.partner("BlueKai")
        named = [a for a in accounts(demo) if a["profile"].get("firstName")]
        assert status["counters"]["bluekai"]["out"] == len(named) > 0
        for account in named:
            assert sandbox.profile(account["UID"])["profile.city"] == account["profile"].get("city", "")

    run("bluekai/outbound.json", capsys, check)


# -- the command itself ----------------------------------------------------------------------------------------------
def test_the_command_starts_the_partner_and_says_what_it_holds(capsys: pytest.CaptureFixture) -> None:
    """The whole command, as a user types it: the partner's stand-in named on start, its contents at the end,
    Silverpop's left out (the flow does not use it), and the partner's secrets nowhere in the job's records."""
    assert main(["run", str(ROOT / "flows" / "mailchimp" / "outbound.json"), "--sandbox"]) == 0
    captured = capsys.readouterr()
    assert "starting the Gigya, Silverpop and Mailchimp sandboxes on loopback" in captured.err
    output = " ".join(captured.out.split())  # the console wraps long lines
    kept = DEMO_ACCOUNTS - len(DEMO_DELETED)  # every account of the demo site, but those it deletes
    assert "Mailchimp audience 'Gigya Subscribers' (" in output and f"now holds {kept} members" in output
    assert "Silverpop database" not in output
    from sandbox.mailchimp import MailchimpSandbox

    secret = MailchimpSandbox(seed=1).api_key  # the demo's key (derived from its seed)
    jobs = Path(os.environ["DATAFLOW_HOME"]) / "sandbox" / "jobs"
    written = [p.read_text(errors="replace") for p in jobs.rglob("*") if p.is_file()]
    assert written and not any(secret in text for text in written)
