"""idx.createScheduling, getScheduling, setScheduling, deleteScheduling.

A scheduling names a published dataflow of the same site. ``nextJobStartTime`` (``yyyy-MM-dd HH:mm:ss`` UTC or
ISO-8601) defaults to now; a ``once`` scheduling at or before now starts its job at once, through the same
scheduler and job service as every other run (locks, watermark, status). ``setScheduling`` is a full replace:
fields left out are lost, a pending retry is dropped; sending ``enabled: false`` is how a schedule is paused.
"""

from __future__ import annotations

from typing import Any

from dataflow.clock import iso
from dataflow.scheduling import parse_time, validate_scheduling
from dataflow.server.context import ServerContext
from dataflow.server.documents import scheduling_document
from dataflow.server.envelope import IdxError, invalid, missing, not_found
from dataflow.server.params import json_object, required
from dataflow.store import StoreError

_SERVER_FIELDS = ("apiKey", "retryAt", "retryAttempt", "createTime", "updateTime", "jobId", "currentJobStartTime")
_BOOLEAN_FIELDS = ("enabled", "fullExtract")
_INTEGER_FIELDS = ("frequencyInterval", "limit")


def normalized(ctx: ServerContext, site: str, data: dict[str, Any]) -> dict[str, Any]:
    """The scheduling as stored: checked, times in ISO-8601 UTC, text numbers and booleans read as such."""
    document = {k: v for k, v in data.items() if k not in _SERVER_FIELDS}
    for name in ("name", "dataflowId", "frequencyType"):
        value = document.get(name)
        if not isinstance(value, str) or not value.strip():
            raise missing(f"data.{name}")
    for name in _INTEGER_FIELDS:
        value = document.get(name)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            document[name] = int(value)
        elif value in ("", "null"):
            document[name] = None
    for name in _BOOLEAN_FIELDS:
        value = document.get(name)
        if isinstance(value, str):
            document[name] = value.strip().lower() == "true"
    document.setdefault("enabled", True)
    document.setdefault("fullExtract", False)
    start = document.get("nextJobStartTime")
    try:
        document["nextJobStartTime"] = iso(parse_time(start) if start else ctx.clock())
    except (TypeError, ValueError):
        raise invalid(f"data.nextJobStartTime {start!r} is not 'yyyy-MM-dd HH:mm:ss' (UTC) or ISO-8601") from None
    problems = validate_scheduling(document)
    if problems:
        raise invalid("data: " + "; ".join(problems))
    flow = ctx.store.get_flow(document["dataflowId"], "published", site)
    if flow is None or flow.id != document["dataflowId"]:
        raise not_found(f"no published dataflow with id '{document['dataflowId']}' to schedule")
    return document


def _start_if_due(ctx: ServerContext, scheduling: dict[str, Any]) -> None:
    due = scheduling.get("nextJobStartTime") and parse_time(scheduling["nextJobStartTime"]) <= ctx.clock()
    if scheduling["frequencyType"] == "once" and scheduling.get("enabled", True) and due:
        ctx.start_due_jobs()


def create(ctx: ServerContext, site: str, data: dict[str, Any]) -> dict[str, Any]:
    """Store a new scheduling of ``site`` (and start it when it is a one-time run due now)."""
    document = normalized(ctx, site, {k: v for k, v in data.items() if k != "id"})
    try:
        saved = ctx.store.add_scheduling(document, site)
    except StoreError as clash:
        raise IdxError(400003, str(clash)) from None
    _start_if_due(ctx, saved)
    return saved


def replace(ctx: ServerContext, site: str, data: dict[str, Any]) -> dict[str, Any]:
    scheduling_id = data.get("id")
    if not isinstance(scheduling_id, str) or not scheduling_id:
        raise missing("data.id")
    _owned(ctx, site, scheduling_id)
    document = normalized(ctx, site, data)
    try:
        saved = ctx.store.replace_scheduling(document, site)
    except LookupError:
        raise not_found(f"no scheduling with id '{scheduling_id}'") from None
    except StoreError as clash:
        raise IdxError(400003, str(clash)) from None
    _start_if_due(ctx, saved)
    return saved


def _owned(ctx: ServerContext, site: str, scheduling_id: str) -> dict[str, Any]:
    scheduling = ctx.store.get_scheduling(scheduling_id, site)
    if scheduling is None or scheduling["id"] != scheduling_id:
        raise not_found(f"no scheduling with id '{scheduling_id}'")
    return scheduling


def create_scheduling(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    return {"id": create(ctx, site, json_object(params))["id"]}


def get_scheduling(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    return scheduling_document(ctx, _owned(ctx, site, required(params, "id")))


def set_scheduling(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    return {"id": replace(ctx, site, json_object(params))["id"]}


def delete_scheduling(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    scheduling_id = required(params, "id")
    _owned(ctx, site, scheduling_id)
    ctx.store.delete_scheduling(scheduling_id, site)
    return {}
