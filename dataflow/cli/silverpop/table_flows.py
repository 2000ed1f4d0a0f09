"""The relational table flows: likes, favorites, game mechanics (one record per contact: rows that are gone are
deleted) and signals (Data Store objects)."""

from __future__ import annotations

from typing import Any

from dataflow.cli.silverpop import scripts
from dataflow.cli.silverpop.config import CustomerConfig
from dataflow.cli.silverpop.documents import Document, Step, connection, join_targets, number, step
from dataflow.cli.silverpop.layout import UID, tables


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
