"""The Gigya <-> Silverpop flows of one customer, built from its configuration and layout.

Which flows: the accounts outbound, the opt-outs inbound and the deletions outbound always; one outbound per
relational table the customer has (likes, favorites, game mechanics, signals); the scoring inbound when scoring
is on. Each is an ordinary IdentitySync dataflow document (validated before it is written), so a customer's copy
can be read, changed and stored like any other flow.
"""

from __future__ import annotations

from typing import Any

from dataflow.cli.silverpop import scripts
from dataflow.cli.silverpop.config import CustomerConfig, Newsletter
from dataflow.cli.silverpop.layout import UID, Database, databases, extras_list_id, tables

Step = dict[str, Any]
Document = dict[str, Any]
SILVERPOP_TIME = "MM/dd/yyyy HH:mm:ss"


def step(step_id: str, type_name: str, params: dict[str, Any] | None = None, *following: str) -> Step:
    found: Step = {"id": step_id, "type": type_name}
    if params is not None:
        found["params"] = params
    if following:
        found["next"] = list(following)
    return found


def connection(config: CustomerConfig, sftp: bool = True) -> dict[str, Any]:
    params: dict[str, Any] = {
        "clientId": config.client_id,
        "clientSecret": config.client_secret,
        "refreshToken": config.refresh_token,
        "podNumber": config.pod,
    }
    if sftp:
        params.update(config.host_key)
    return params


def number(list_id: str) -> int | str:
    return int(list_id) if list_id.isdigit() else list_id


def join_targets(config: CustomerConfig) -> int | str | list[int | str]:
    """Relational tables are joined with the master database, else with every newsletter database."""
    ids = [config.list_id] if config.list_id else config.all_list_ids
    return number(ids[0]) if len(ids) == 1 else [number(item) for item in ids]


# outbound accounts ---------------------------------------------------------------------------------------------
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


# relational tables -----------------------------------------------------------------------------------------------
def _table_writer(config: CustomerConfig, kind: str, mapping: list[tuple[str, str]], rows: str | None) -> Step:
    table = next(item for item in tables(config) if item.kind == kind)
    params: dict[str, Any] = {
        **connection(config),
        "tableId": number(table.table_id),
        "joinListId": join_targets(config),
        "uidColumn": UID,
    }
    if rows:
        params["rowsField"] = rows
    params["fieldMapping"] = [{"sourceField": source, "targetField": target} for source, target in mapping]
    return step(f"{kind}Table", "datasource.write.silverpop.table", params)


def outbound_likes(config: CustomerConfig) -> Document:
    mapping = [("UID", UID), ("id", "LikeId"), ("name", "Name"), ("category", "Category"), ("time", "CreatedTime")]
    return {
        "name": "Silverpop - outbound likes",
        "description": "account > likes table (each contact's likes; removed likes deleted)",
        "steps": [
            step("account", "datasource.read.gigya.account", {"select": "UID,profile.likes"}, "likesTable"),
            _table_writer(config, "likes", mapping, "profile.likes"),
        ],
    }


def outbound_favorites(config: CustomerConfig) -> Document:
    mapping = [("UID", UID), ("type", "FavoriteType"), ("id", "FavoriteId"), ("name", "Name"), ("category", "Category")]
    flatten = {"script": scripts.encoded(scripts.FAVORITES), "ECMAScriptVersion": "5.1"}
    return {
        "name": "Silverpop - outbound favorites",
        "description": "account > rows per contact (record.evaluate) > favorites table (removed favorites deleted)",
        "steps": [
            step("account", "datasource.read.gigya.account", {"select": "UID,profile.favorites"}, "flatten"),
            step("flatten", "record.evaluate", flatten, "favoritesTable"),
            _table_writer(config, "favorites", mapping, "rows"),
        ],
    }


def outbound_gm(config: CustomerConfig) -> Document:
    mapping = [
        ("UID", UID), ("challengeID", "ChallengeId"), ("level", "Level"), ("pointsTotal", "PointsTotal"),
        ("lastLevelUpTime", "LastUpdated"),
    ]  # fmt: skip
    return {
        "name": "Silverpop - outbound game mechanics",
        "description": "account > gm lookup > GM table (each contact's achievements; removed ones deleted)",
        "steps": [
            step("account", "datasource.read.gigya.account", {"select": "UID"}, "gm"),
            step("gm", "datasource.lookup.gigya.gm", {"includeChallenges": "*"}, "gmTable"),
            _table_writer(config, "gm", mapping, "achievements"),
        ],
    }


def outbound_signals(config: CustomerConfig) -> Document:
    mapping = [("UID", UID), ("data.name", "SignalName"), ("data.value", "Value"), ("data.timestamp", "Timestamp")]
    reader = {"from": config.signals_type, "select": "oid,UID,data", "deltaField": "lastUpdated"}
    return {
        "name": "Silverpop - outbound signals",
        "description": f"ds ({config.signals_type}: one object per user and signal) > signals table",
        "steps": [
            step("signals", "datasource.read.gigya.ds", reader, "signalsTable"),
            _table_writer(config, "signals", mapping, None),
        ],
    }


# deletions and the inbound flows ----------------------------------------------------------------------------------
def outbound_deletions(config: CustomerConfig) -> Document:
    audit = {"where": 'endpoint = "accounts.deleteAccount" AND errCode = "0"', "deltaField": "@timestamp"}
    ids = [number(item) for item in config.all_list_ids]
    remove: dict[str, Any] = {
        **connection(config, sftp=False),
        "listId": ids[0] if len(ids) == 1 else ids,
        "uidField": "params.UID",
        "uidColumn": UID,
        "action": config.deleted_accounts,
    }
    # signals are Data Store objects, not rows recorded per contact: they are not the deleted account's to remove
    table_ids = [number(table.table_id) for table in tables(config) if table.kind != "signals"]
    if table_ids:
        remove["tables"] = table_ids
    verb = "opt out" if config.deleted_accounts == "optOut" else "remove"
    return {
        "name": "Silverpop - outbound deletions",
        "description": f"audit (accounts.deleteAccount) > {verb} in Silverpop, with the contact's table rows",
        "steps": [
            step("audit", "datasource.read.gigya.audit", audit, "remove"),
            step("remove", "datasource.write.silverpop.remove", remove),
        ],
    }


def inbound_optouts(config: CustomerConfig) -> Document:
    sources: list[tuple[str, str, list[str]]] = []
    if config.list_id and config.field_newsletters:
        sources.append(("", config.list_id, [item.subscription for item in config.field_newsletters]))
    for item in config.database_newsletters:
        assert item.list_id is not None
        sources.append((f" {item.subscription}", item.list_id, [item.subscription]))
    steps: list[Step] = []
    for suffix, list_id, subscriptions in sources:
        reader = {**connection(config), "listId": number(list_id), "events": ["OPTOUTS"], "columns": UID}
        steps.append(step(f"optOuts{suffix}", "datasource.read.silverpop", reader, f"newsletters{suffix}"))
        tag = {"fields": [{"field": "_newsletters", "value": ",".join(subscriptions)}]}
        steps.append(step(f"newsletters{suffix}", "field.add", tag, "lookup"))
    # an event of an account deleted since has no account to change: it passes unenriched and the script drops it
    steps += _back_to_gigya("subscriptions", "process", scripts.OPTOUTS)
    return {
        "name": "Silverpop - inbound opt-outs",
        "description": "silverpop opt-out events > lookup > unsubscribe unless Gigya's change is newer > account",
        "steps": steps,
    }


def inbound_scoring(config: CustomerConfig) -> Document:
    reader = {
        **connection(config),
        "listId": number(extras_list_id(config)),
        "columns": ",".join((UID, *config.scoring_fields)),
    }
    return {
        "name": "Silverpop - inbound scoring",
        "description": "silverpop > lookup > evaluate (record.evaluate) > account",
        "steps": [
            step("silverpop", "datasource.read.silverpop", reader, "lookup"),
            *_back_to_gigya("data.silverpopScoring", "error", scripts.SCORING),
        ],
    }


def _back_to_gigya(select: str, mismatch: str, script: str) -> list[Step]:
    """lookup (the account's current values, by UID) > record.evaluate (what to change) > write.gigya.account."""
    lookup = {
        "select": select,
        "lookupFields": [{"sourceField": UID, "gigyaField": "UID"}],
        "isCaseSensitive": True,
        "mismatchBehavior": mismatch,
    }
    evaluate = {"script": scripts.encoded(script), "ECMAScriptVersion": "5.1"}
    return [
        step("lookup", "datasource.lookup.gigya.account", lookup, "evaluate"),
        step("evaluate", "record.evaluate", evaluate, "account"),
        step("account", "datasource.write.gigya.account"),
    ]


TABLE_FLOWS = {
    "likes": ("outbound-likes.json", outbound_likes),
    "favorites": ("outbound-favorites.json", outbound_favorites),
    "gm": ("outbound-gm.json", outbound_gm),
    "signals": ("outbound-signals.json", outbound_signals),
}


def customer_flows(config: CustomerConfig) -> dict[str, Document]:
    """File name -> flow document, for every flow this customer's configuration calls for."""
    found = {
        "outbound-accounts.json": outbound_accounts(config),
        "outbound-deletions.json": outbound_deletions(config),
        "inbound-optouts.json": inbound_optouts(config),
    }
    for kind in config.tables:
        name, build = TABLE_FLOWS[kind]
        found[name] = build(config)
    if config.sync_scoring:
        found["inbound-scoring.json"] = inbound_scoring(config)
    return dict(sorted(found.items()))
