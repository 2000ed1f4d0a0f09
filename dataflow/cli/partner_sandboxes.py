"""The partner stand-ins ``dataflow run FLOW --sandbox`` starts beside Gigya and Silverpop, one provider each.

Each partner's stand-in starts on a free loopback port when the flow has one of its steps. Where the partner can
be read (Mailchimp, Marketo, Campaign Monitor, Constant Contact), the first 100 Gigya demo accounts
are already its members, keyed by their UID, some of them opted out in the partner, so an inbound flow has
changes to bring back (an outbound flow updates the same members). The job reaches the stand-in through the
``{{variables}}`` of the partner's ``customer.example.yaml`` (filled with the stand-in's URL and ids) and the
environment variables that configuration names for the secrets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from dataflow.cli.partner_provider import Member, PartnerProvider
from dataflow.clock import utc_now


def holds(where: str, items: list[dict[str, Any]], noun: str, counted: Callable[[Any], bool], label: str) -> str:
    """ "Marketo now holds 1000 leads (394 unsubscribed)"."""
    return f"{where} now holds {len(items)} {noun} ({sum(1 for item in items if counted(item))} {label})"


# -- Mailchimp ---------------------------------------------------------------------------------------------------
def seed_mailchimp(stand_in: Any, member: Member) -> None:
    status = "subscribed" if member.opted_in else "unsubscribed"
    names = {"FNAME": member.text("firstName"), "LNAME": member.text("lastName")}
    stand_in.put_member(member.email, status, {"UID": member.uid, **names})


def mailchimp_summary(stand_in: Any) -> list[str]:
    members = stand_in.members()
    audience = f"Mailchimp audience '{stand_in.audiences[stand_in.list_id].name}' ({stand_in.list_id})"
    return [holds(audience, members, "members", lambda m: m["status"] == "subscribed", "subscribed")]


MAILCHIMP = PartnerProvider(
    "Mailchimp",
    "mailchimp",
    "mailchimp",
    ("datasource.read.mailchimp", "datasource.write.mailchimp"),
    lambda s: (
        {"MAILCHIMP_API_KEY": s.api_key},
        {"mailchimpApiUrl": s.info()["apiUrl"], "mailchimpListId": s.list_id},
    ),
    mailchimp_summary,
    seed_mailchimp,
)


# -- Marketo -----------------------------------------------------------------------------------------------------
def seed_marketo(stand_in: Any, member: Member) -> None:
    moved = member.index % 5 == 0  # every 5th moved, as Marketo knows
    lead = {"email": member.email, "gUID": member.uid, "unsubscribed": not member.opted_in}
    lead |= {"firstName": member.text("firstName"), "lastName": member.text("lastName")}
    lead |= {"gender": member.text("gender"), "city": "Lisbon" if moved else member.text("city")}
    stand_in.put_lead({**lead, "address": f"{member.index + 1} Rua Augusta"})


def marketo_summary(stand_in: Any) -> list[str]:
    return [holds("Marketo", stand_in.leads(), "leads", lambda lead: bool(lead.get("unsubscribed")), "unsubscribed")]


MARKETO = PartnerProvider(
    "Marketo",
    "marketo",
    "marketo",
    ("datasource.read.marketo", "datasource.write.marketo"),
    lambda s: (
        {"MARKETO_CLIENT_SECRET": s.client_secret},
        {
            "marketoBaseUrl": s.url,
            "marketoClientId": s.client_id,
            # the demo leads were all changed today: one export window reads them
            "marketoStartDate": (utc_now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    ),
    marketo_summary,
    seed_marketo,
)


# -- Campaign Monitor --------------------------------------------------------------------------------------------
def seed_campaignmonitor(stand_in: Any, member: Member) -> None:
    custom = {"GigyaUID": member.uid}
    stand_in.put_subscriber(member.email, member.text("firstName"), custom, unsubscribed=not member.opted_in)


def campaignmonitor_summary(stand_in: Any) -> list[str]:
    title = f"Campaign Monitor list '{stand_in.lists[stand_in.list_id].title}' ({stand_in.list_id})"
    return [holds(title, stand_in.subscribers(), "subscribers", lambda s: s["State"] == "Active", "active")]


CAMPAIGN_MONITOR = PartnerProvider(
    "Campaign Monitor",
    "campaignmonitor",
    "campaignmonitor",
    ("datasource.read.campaignmonitor", "datasource.write.campaignmonitor"),
    lambda s: (
        {"CAMPAIGN_MONITOR_API_KEY": s.api_key},
        {"campaignMonitorApiUrl": s.info()["apiUrl"], "campaignMonitorListId": s.list_id},
    ),
    campaignmonitor_summary,
    seed_campaignmonitor,
)


# -- Constant Contact --------------------------------------------------------------------------------------------
def seed_constantcontact(stand_in: Any, member: Member) -> None:
    item = {"email": member.email, "first_name": member.text("firstName"), "cf:custom_field_1": member.uid}
    stand_in.put_contact(item, unsubscribed=not member.opted_in)


def constantcontact_summary(stand_in: Any) -> list[str]:
    contacts = stand_in.contacts()
    members = [c for c in contacts if stand_in.list_id in c["list_memberships"]]
    where = f"Constant Contact list '{stand_in.book.lists[stand_in.list_id]}' ({stand_in.list_id})"
    mailable = lambda c: c["email_address"]["permission_to_send"] != "unsubscribed"  # noqa: E731
    account = f"Constant Contact holds {len(contacts)} contacts in all"
    return [holds(where, members, "contacts", mailable, "subscribed"), account]


CONSTANT_CONTACT = PartnerProvider(
    "Constant Contact",
    "constantcontact",
    "constantcontact",
    ("datasource.read.constantcontact", "datasource.write.constantcontact"),
    lambda s: (
        {
            "CONSTANT_CONTACT_ACCESS_TOKEN": s.access_token,
            "CONSTANT_CONTACT_REFRESH_TOKEN": s.refresh_token,
            "CONSTANT_CONTACT_CLIENT_SECRET": s.client_secret,
        },
        {
            "constantContactApiUrl": s.info()["apiUrl"],
            "constantContactTokenUrl": s.info()["tokenUrl"],
            "constantContactApiKey": s.client_id,
            "constantContactListId": s.list_id,
        },
    ),
    constantcontact_summary,
    seed_constantcontact,
)


# -- write-only partners -----------------------------------------------------------------------------------------
SALESFORCE = PartnerProvider(
    "Salesforce",
    "salesforce",
    "salesforce",
    ("datasource.write.salesforce",),
    lambda s: (
        {"SALESFORCE_PASSWORD": s.password, "SALESFORCE_SECURITY_TOKEN": s.security_token},
        {"salesforceUsername": s.username, "salesforceAuthEndpoint": s.info()["authEndpoint"]},
    ),
    lambda s: [f"Salesforce now holds {len(s.records('Account'))} Account records"],
)
MARKETING_CLOUD = PartnerProvider(
    "Marketing Cloud",
    "sfmc",
    "exacttarget",
    ("datasource.write.exacttarget",),
    lambda s: (
        {"MARKETING_CLOUD_CLIENT_SECRET": s.client_secret},
        {"marketingCloudClientId": s.client_id, "marketingCloudAuthUrl": s.info()["authUrl"]},
    ),
    lambda s: [
        f"Marketing Cloud data extension '{key}' now holds {len(s.rows(key))} rows"
        for key in (e.key for e in s.extensions.values())
    ],
)
BLUEKAI = PartnerProvider(
    "BlueKai",
    "bluekai",
    "bluekai",
    ("datasource.write.bluekai",),
    lambda s: (
        {"BLUEKAI_SECRET_KEY": s.secret_key},
        {"bluekaiDomain": s.url, "bluekaiSiteId": s.site_id, "bluekaiBkuid": s.bkuid},
    ),
    lambda s: [f"BlueKai site {s.site_id} now holds {len(s.profiles)} user profiles"],
)

PARTNER_PROVIDERS = {
    step_type: provider
    for provider in (MAILCHIMP, MARKETO, CAMPAIGN_MONITOR, CONSTANT_CONTACT, SALESFORCE, MARKETING_CLOUD, BLUEKAI)
    for step_type in provider.types
}
