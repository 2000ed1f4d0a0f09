"""Every public partner template runs end to end between the Gigya sandbox and the partner's stand-in, unchanged
apart from its connection params; what it wrote is read back through the partner's own client (mailchimp-marketing,
marketorestpython, createsend, simple-salesforce; plain HTTP for Constant Contact, Marketing Cloud and BlueKai), and
what an inbound template brought back is checked on the Gigya accounts."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataflow import jsonio
from dataflow.runtime.runner import Runner, RunOptions
from dataflow.validation import validate_text
from sandbox.gigya import GigyaSandbox
from sandbox.mailchimp import subscriber_hash
from tests.partners import stand_ins
from tests.templates.reference import TEMPLATES, load

pytestmark = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="reference templates not present")
PARTNER_OF = {
    "datasource.read.mailchimp": "mailchimp",
    "datasource.write.mailchimp": "mailchimp",
    "datasource.read.marketo": "marketo",
    "datasource.write.marketo": "marketo",
    "datasource.read.campaignmonitor": "campaignmonitor",
    "datasource.write.campaignmonitor": "campaignmonitor",
    "datasource.read.constantcontact": "constantcontact",
    "datasource.write.constantcontact": "constantcontact",
    "datasource.write.salesforce": "salesforce",
    "datasource.write.exacttarget": "sfmc",
    "datasource.write.bluekai": "bluekai",
}
ACCOUNTS = 8


@pytest.fixture(scope="module")
def site() -> Iterator[GigyaSandbox]:
    with GigyaSandbox(accounts=ACCOUNTS, seed=13) as sandbox:
        yield sandbox


def run_template(name: str, site: GigyaSandbox, work: Path, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The template with its partner step's connection params filled in (nothing else touched), run once."""
    flow = load(name)
    [step] = [s for s in flow["steps"] if s["type"] in PARTNER_OF]
    step["params"].update({**stand_ins.connection(PARTNER_OF[step["type"]], step["type"]), **(extra or {})})
    validated = validate_text(jsonio.dumps_pretty(flow), name)
    assert validated.ok, [d.format() for d in validated.diagnostics]
    status = Runner(validated, RunOptions(work_root=work, environ=site.environ, full_extract=True)).run()
    assert status["status"] == "succeeded", status.get("errorMessage")
    for step_id, counts in status["counters"].items():
        assert counts["in"] + counts["added"] == counts["out"] + counts["errors"] + counts["filtered"], step_id
    return status


def accounts(site: GigyaSandbox) -> list[dict[str, Any]]:
    return [site.account(site.uid(i)) for i in range(ACCOUNTS)]


def fresh_accounts(site: GigyaSandbox, count: int) -> list[dict[str, Any]]:
    """Accounts of this test alone: an inbound flow writes accounts in parallel, so one UID must not come back
    twice (once from another test's export)."""
    uids = [
        site.put_account(
            {"profile": {"email": f"g-{uuid.uuid4().hex[:8]}@example.org", "firstName": "Fresh"}, "data": {}}
        )
        for _ in range(count)
    ]
    return [site.account(uid) for uid in uids]


# -- outbound: Gigya accounts into the partner -----------------------------------------------------------------------
def test_mailchimp_outbound(site: GigyaSandbox, tmp_path: Path) -> None:
    status = run_template("mailchimp-outbound.json", site, tmp_path)
    assert status["counters"]["mailchimp"]["out"] == ACCOUNTS
    client = stand_ins.mailchimp_client()
    list_id = stand_ins.stand_in("mailchimp").list_id
    for account in accounts(site):
        member = client.lists.get_list_member(list_id, subscriber_hash(account["profile"]["email"]))
        assert member["merge_fields"]["UID"] == account["UID"]
        assert member["merge_fields"]["FNAME"] == account["profile"].get("firstName", "")
        flag = (account.get("data", {}).get("mailchimp") or {}).get("subscribePlatformUpdates")
        assert member["status"] == ("subscribed" if str(flag).lower() == "true" else "unsubscribed")


def test_marketo_outbound(site: GigyaSandbox, tmp_path: Path) -> None:
    run_template("marketo-outbound.json", site, tmp_path)
    emails = [a["profile"]["email"] for a in accounts(site)]
    leads = stand_ins.marketo_client().get_multiple_leads_by_filter_type("email", emails, fields="email,gUID,lastName")
    by_email = {lead["email"]: lead for lead in leads}
    for account in accounts(site):
        assert by_email[account["profile"]["email"]]["gUID"] == account["UID"]
        assert by_email[account["profile"]["email"]]["lastName"] == account["profile"].get("lastName")


def test_campaignmonitor_outbound(site: GigyaSandbox, tmp_path: Path) -> None:
    run_template("campaingMonitor-outbound.json", site, tmp_path)
    list_id = stand_ins.stand_in("campaignmonitor").list_id
    with stand_ins.createsend_client() as createsend:
        auth = {"api_key": stand_ins.stand_in("campaignmonitor").api_key}
        for account in accounts(site):
            found = createsend.Subscriber(auth, list_id, account["profile"]["email"]).get()
            custom = {field.Key: field.Value for field in found.CustomFields}
            assert custom["GigyaUID"] == account["UID"]
            subscribed = str(account.get("data", {}).get("subscribed")).lower() == "true"
            assert found.State == ("Active" if subscribed else "Unsubscribed")


def test_constantcontact_outbound(site: GigyaSandbox, tmp_path: Path) -> None:
    run_template("constantContact-outbound.json", site, tmp_path)
    sandbox = stand_ins.stand_in("constantcontact")
    session = stand_ins.constantcontact_session()
    fields = session.get(f"{sandbox.url}/v3/contact_custom_fields", timeout=10).json()["custom_fields"]
    uid_field = next(f["custom_field_id"] for f in fields if f["name"] == "custom_field_1")
    for account in accounts(site):
        answer = session.get(
            f"{sandbox.url}/v3/contacts",
            params={"email": account["profile"]["email"], "include": "custom_fields,list_memberships"},
            timeout=10,
        ).json()
        [contact] = answer["contacts"]
        assert {"custom_field_id": uid_field, "value": account["UID"]} in contact["custom_fields"]
        assert sandbox.list_id in contact["list_memberships"]


def test_salesforce_outbound(site: GigyaSandbox, tmp_path: Path) -> None:
    extra = {"primaryId": "ZZ00_rtl_id__c", "lookupId": "ZZ00_rtl_id__c"}
    status = run_template("salesforce-salesforce.json", site, tmp_path, extra)
    assert status["counters"]["salesforce"]["out"] == ACCOUNTS
    client = stand_ins.salesforce_client()
    for account in accounts(site):
        found = client.Account.get_by_custom_id("ZZ00_rtl_id__c", account["UID"])
        assert found["Unique_Email_Gigya__c"] == account["profile"]["email"]
        assert found["LastName"] == account["profile"].get("lastName")
        assert found["Golf_Handicap_Number__pc"] == "#N/A"  # the template's clean step
    rows = client.query(f"SELECT Id FROM Account WHERE ZZ00_rtl_id__c = '{site.uid(0)}'")
    assert rows["totalSize"] == 1


def test_marketing_cloud_outbound(site: GigyaSandbox, tmp_path: Path) -> None:
    run_template("salesforce-marketingCloud.json", site, tmp_path)
    sandbox = stand_ins.stand_in("sfmc")
    rows = (
        stand_ins.sfmc_session()
        .get(f"{sandbox.url}/data/v1/customobjectdata/key/GigyaSubscribers/rowset", timeout=10)
        .json()["items"]
    )
    by_guid = {row["keys"]["guid"]: row for row in rows}
    for account in accounts(site):
        row = by_guid[account["UID"]]
        assert row["keys"]["email"] == account["profile"]["email"]
        assert row["values"]["fname"] == account["profile"].get("firstName", "")


def test_bluekai_outbound(site: GigyaSandbox, tmp_path: Path) -> None:
    status = run_template("bluekia-bluekia.json", site, tmp_path)
    sandbox = stand_ins.stand_in("bluekai")
    written = status["counters"]["bluekai"]["out"]
    assert written == status["counters"]["account"]["out"] > 0
    named = [a for a in accounts(site) if a["profile"].get("firstName")]
    for account in named:
        profile = sandbox.profile(account["UID"])
        assert profile is not None and profile["profile.country"] == account["profile"].get("country", "")


# -- inbound: the partner's records back into Gigya ------------------------------------------------------------------
def test_mailchimp_inbound(site: GigyaSandbox, tmp_path: Path) -> None:
    client = stand_ins.mailchimp_client()
    list_id = stand_ins.stand_in("mailchimp").list_id
    wanted = {}
    for index, account in enumerate(fresh_accounts(site, 4)):
        status = "subscribed" if index % 2 else "unsubscribed"
        email = f"mc-in-{uuid.uuid4().hex[:8]}@example.org"
        client.lists.set_list_member(
            list_id,
            subscriber_hash(email),
            {"email_address": email, "status_if_new": status, "merge_fields": {"UID": account["UID"]}},
        )
        wanted[account["UID"]] = status == "subscribed"
    run_template("mailchimp-inbound.json", site, tmp_path)
    for uid, subscribed in wanted.items():
        assert site.account(uid)["data"]["subscribeToOurNewsletter"] is subscribed


def test_marketo_inbound(site: GigyaSandbox, tmp_path: Path) -> None:
    chosen = fresh_accounts(site, 3)
    leads = [
        {
            "email": f"mk-in-{uuid.uuid4().hex[:8]}@example.org",
            "gUID": a["UID"],
            "unsubscribed": i == 1,
            "city": f"City {i}",
            "gender": "f",
            "firstName": a["profile"].get("firstName") or "Ann",
            "lastName": "Inbound",
            "address": f"{i} Main St",
        }
        for i, a in enumerate(chosen)
    ]
    assert all(r["status"] in ("created", "updated") for r in stand_ins.marketo_client().create_update_leads(leads))
    run_template("marketo-inbound.json", site, tmp_path)
    for index, account in enumerate(chosen):
        after = site.account(account["UID"])
        assert after["profile"]["city"] == f"City {index}"
        assert after["profile"]["lastName"] == "Inbound"
        assert str(after["data"]["emailSubscribed"]).lower() == ("true" if index == 1 else "false")


def test_campaignmonitor_inbound(site: GigyaSandbox, tmp_path: Path) -> None:
    sandbox = stand_ins.stand_in("campaignmonitor")
    chosen = fresh_accounts(site, 2)
    with stand_ins.createsend_client() as createsend:
        auth = {"api_key": sandbox.api_key}
        for account in chosen:
            email = f"cm-in-{uuid.uuid4().hex[:8]}@example.org"
            createsend.Subscriber(auth).add(
                sandbox.list_id, email, "Inbound", [{"Key": "GigyaUID", "Value": account["UID"]}], True, "Yes"
            )
            createsend.Subscriber(auth, sandbox.list_id, email).unsubscribe()
    status = run_template("campaingMonitor-inbound.json", site, tmp_path)
    assert status["counters"]["account"]["out"] >= len(chosen)
    for account in chosen:
        after = site.account(account["UID"])
        assert after["data"]["subscribed"] == "false"
        assert after["profile"]["firstName"] == "Inbound"


def test_constantcontact_inbound(site: GigyaSandbox, tmp_path: Path) -> None:
    sandbox = stand_ins.stand_in("constantcontact")
    chosen = fresh_accounts(site, 2)
    emails = [f"cc-in-{uuid.uuid4().hex[:8]}@example.org" for _ in chosen]
    session = stand_ins.constantcontact_session()
    answer = session.post(
        f"{sandbox.url}/v3/activities/contacts_json_import",
        timeout=10,
        json={
            "import_data": [{"email": e, "cf:custom_field_1": a["UID"]} for e, a in zip(emails, chosen, strict=True)],
            "list_ids": [sandbox.list_id],
        },
    )
    assert answer.status_code == 201
    run_template("constantContact-inbound.json", site, tmp_path)
    for email, account in zip(emails, chosen, strict=True):
        after = site.account(account["UID"])
        assert after["profile"]["email"] == email
        assert after["data"]["subscribed"] is True
