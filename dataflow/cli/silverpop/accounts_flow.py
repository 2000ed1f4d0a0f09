"""``outbound-accounts``: Gigya accounts into the master database and/or the database of each newsletter.

One reader, the phone and SMS-consent steps when phones are synced, one rename of every field, then a branch
per database: drop what that database does not take, format the DSV, import it. Each newsletter travels with
the time Gigya last changed it (``<Field>Changed``), which the writer uses to keep a newer Silverpop opt-out.
"""

from __future__ import annotations

from typing import Any

from dataflow.cli.silverpop.config import CustomerConfig, Newsletter
from dataflow.cli.silverpop.documents import Document, Step, connection, number, step
from dataflow.cli.silverpop.layout import UID, Database, databases, extras_list_id

SILVERPOP_TIME = "MM/dd/yyyy HH:mm:ss"


def outbound_accounts(config: CustomerConfig) -> Document:
    select = [
        "UID", "profile.email", "profile.firstName", "profile.lastName", "profile.gender", "profile.country",
        "profile.city", "socialProviders", "lastUpdatedTimestamp",
    ]  # fmt: skip
    for item in config.newsletters:
        select += [f"subscriptions.{item.subscription}.email.isSubscribed"]
        select += [f"subscriptions.{item.subscription}.email.lastUpdatedSubscriptionState"]
    if config.sync_phones:
        select += ["profile.phones", "lastLoginLocation.country"]
        if config.sms_consent:
            select += [f"preferences.{config.sms_consent}.isConsentGranted"]
    reader: dict[str, Any] = {"select": ",".join(select)}
    if config.required_consents:
        reader["consent"] = list(config.required_consents)
    steps = [step("account", "datasource.read.gigya.account", reader, "phones" if config.sync_phones else "rename")]
    if config.sync_phones:
        steps += _phone_steps(config)
    renames = [
        ("UID", UID), ("profile.email", "EMAIL"), ("profile.firstName", "FirstName"),
        ("profile.lastName", "LastName"), ("profile.gender", "Gender"), ("profile.country", "Country"),
        ("profile.city", "City"), ("socialProviders", "SocialProviders"), ("lastUpdatedTimestamp", "LastUpdated"),
    ]  # fmt: skip
    for item in config.newsletters:
        renames.append((f"subscriptions.{item.subscription}.email.isSubscribed", item.field))
        renames.append((f"subscriptions.{item.subscription}.email.lastUpdatedSubscriptionState", item.changed_column))
    fields = [{"sourceField": source, "targetField": target} for source, target in renames]
    steps.append(step("rename", "field.rename", {"fields": fields}, "date"))
    date = {"fields": [{"field": "LastUpdated", "format": SILVERPOP_TIME, "timezone": "UTC"}]}
    written = databases(config)
    branches = [_branch_id(database) for database in written]
    steps.append(step("date", "field.date.format", date, *branches))
    for database in written:
        steps += _database_branch(config, database)
    layout = "one database per newsletter" if config.database_newsletters else "newsletter fields in one database"
    return {
        "name": "Silverpop - outbound accounts",
        "description": f"account > rename > date > dsv > silverpop ({layout})",
        "steps": steps,
    }


def _phone_steps(config: CustomerConfig) -> list[Step]:
    targets = [
        {"targetField": "MobilePhone", "types": ["mobile"], "lineTypes": ["mobile", "fixedLineOrMobile"]},
        {"targetField": "Phone"},
    ]
    phones = {"targets": targets, "regionField": "lastLoginLocation.country", "defaultRegion": config.phone_region}
    if not config.sms_consent:
        return [step("phones", "field.phone.e164", phones, "rename")]
    granted = f"preferences.{config.sms_consent}.isConsentGranted"
    consent = {
        "language": "jexl",
        "fields": [
            {"field": "SmsOptIn", "expression": f"{granted} == true ? 'Yes' : 'No'"},
            {"field": "MobilePhone", "expression": f"{granted} == true ? MobilePhone : null"},
        ],
    }
    return [
        step("phones", "field.phone.e164", phones, "smsConsent"),
        step("smsConsent", "field.evaluate", consent, "rename"),
    ]


def _branch_id(database: Database) -> str:
    return "remove" if database.master else f"remove {database.name}"


def _database_branch(config: CustomerConfig, database: Database) -> list[Step]:
    """field.remove (what this database does not take) > dsv > silverpop, for one database."""
    suffix = "" if database.master else f" {database.name}"
    own = [item for item in config.newsletters if _in(item, database)]
    others = [item for item in config.newsletters if item not in own]
    drop = ["profile", "subscriptions", "preferences", "lastLoginLocation"]
    drop += [name for item in others for name in (item.field, item.changed_column)]
    if config.sync_phones and database.list_id != extras_list_id(config):
        drop += ["MobilePhone", "Phone"] + (["SmsOptIn"] if config.sms_consent else [])
    writer: dict[str, Any] = {
        **connection(config),
        "listId": number(database.list_id),
        "uidColumn": UID,
        "newsletterField": ",".join(item.field for item in own),
        "newsletterChangedColumns": {item.field: item.changed_column for item in own},
        "syncPhoneNumbers": config.sync_phones and database.list_id == extras_list_id(config),
    }
    if not database.master:
        writer["membershipField"] = own[0].field
    stem = "gigya_accounts" if database.master else f"gigya_{own[0].subscription}"
    dsv = {"fileName": f"{stem}_${{now:yyyyMMdd_HHmmss}}.csv", "columnSeparator": ","}
    return [
        step(_branch_id(database), "field.remove", {"fields": drop}, f"dsv{suffix}"),
        step(f"dsv{suffix}", "file.format.dsv", dsv, f"silverpop{suffix}"),
        step(f"silverpop{suffix}", "datasource.write.silverpop", writer),
    ]


def _in(item: Newsletter, database: Database) -> bool:
    return item.list_id == database.list_id if not database.master else item.list_id is None
