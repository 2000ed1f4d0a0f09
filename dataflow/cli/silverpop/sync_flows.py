"""The flows that keep both sides in step: deletions out of Silverpop, opt-outs and scores back into Gigya."""

from __future__ import annotations

from typing import Any

from dataflow.cli.silverpop import scripts
from dataflow.cli.silverpop.config import CustomerConfig
from dataflow.cli.silverpop.documents import Document, Step, connection, number, step
from dataflow.cli.silverpop.layout import UID, extras_list_id, tables


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
