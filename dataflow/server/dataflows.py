"""idx.createDataflow, createDataflowDraft, getDataflow, setDataflow, setDataflowDraft, deleteDataflow.

A published flow must pass validation (the findings come back in ``errorDetails`` and ``validationErrors``,
each with its JSON pointer); a draft is work in progress and is stored as long as it is a named object.
``setDataflow`` replaces the whole object and answers the new ``version``; an unchanged set is 403200.
"""

from __future__ import annotations

from typing import Any

from dataflow import jsonio
from dataflow.diagnostics import Diagnostic
from dataflow.server.context import ServerContext
from dataflow.server.documents import flow_document
from dataflow.server.envelope import IdxError, missing, not_found
from dataflow.server.params import json_object, required
from dataflow.server.secrets import unmasked
from dataflow.store import FlowExists, StoredFlow, Unchanged, flow_content
from dataflow.validation import validate_text

PUBLISHED, DRAFT = "published", "draft"


def findings(ctx: ServerContext, document: dict[str, Any]) -> list[Diagnostic]:
    """Every validation finding of a flow given as an object (the API's ``data``)."""
    return validate_text(jsonio.dumps_pretty(document), "data.json", registry=ctx.registry).diagnostics


def refuse_invalid(found: list[Diagnostic]) -> None:
    if not found:
        return
    lines = [d.format().split(": ", 1)[1] for d in found]
    raise IdxError(
        400009,
        f"the dataflow has {len(found)} problem(s): " + "; ".join(lines),
        validationErrors=[{"errorCode": 400006, "message": d.message, "fieldName": d.pointer} for d in found],
    )


def _checked(ctx: ServerContext, data: dict[str, Any], status: str) -> dict[str, Any]:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise missing("data.name")
    content = flow_content(data)
    if status == PUBLISHED:
        refuse_invalid(findings(ctx, content))
    return content


def save(ctx: ServerContext, site: str, data: dict[str, Any], status: str, flow_id: str | None = None) -> StoredFlow:
    """Create (no ``flow_id``) or fully replace a flow of ``site``, keeping masked secrets; the API's and the
    console's one way to store a flow."""
    previous = None
    if flow_id is not None:
        previous = ctx.store.get_flow(flow_id, status, site) or ctx.store.get_flow(
            flow_id, DRAFT if status == PUBLISHED else PUBLISHED, site
        )
        if previous is None or previous.id != flow_id:
            raise not_found(f"no dataflow with id '{flow_id}'")
    content = _checked(ctx, unmasked(data, previous.document if previous else None, ctx.registry), status)
    try:
        if flow_id is None:
            return ctx.store.create_flow(content, status, site)
        return ctx.store.replace_flow(flow_id, content, status, site)
    except FlowExists as clash:
        raise IdxError(400003, str(clash)) from None
    except Unchanged:
        raise IdxError(403200, "dataflow has not changed") from None


def create_dataflow(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    saved = save(ctx, site, json_object(params), PUBLISHED)
    return {"id": saved.id, "version": saved.version}


def create_dataflow_draft(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    data = json_object(params)
    existing = data.get("id") if isinstance(data.get("id"), str) else None
    if existing and ctx.store.get_flow(existing, PUBLISHED, site) is not None:
        saved = save(ctx, site, data, DRAFT, existing)  # the first draft of a published flow shares its id
    else:
        saved = save(ctx, site, data, DRAFT)
    return {"id": saved.id, "version": saved.version}


def get_dataflow(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    flow_id = required(params, "id")
    flow = ctx.store.get_flow(flow_id, PUBLISHED, site)
    if flow is None or flow.id != flow_id:
        raise not_found(f"no dataflow with id '{flow_id}'")
    return flow_document(ctx, flow)


def _set(ctx: ServerContext, site: str, params: dict[str, str], status: str) -> dict[str, Any]:
    data = json_object(params)
    flow_id = data.get("id")
    if not isinstance(flow_id, str) or not flow_id:
        raise missing("data.id")
    saved = save(ctx, site, data, status, flow_id)
    return {"id": saved.id, "version": saved.version}


def set_dataflow(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    return _set(ctx, site, params, PUBLISHED)


def set_dataflow_draft(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    return _set(ctx, site, params, DRAFT)


def delete_dataflow(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    flow_id = required(params, "id")
    flow = ctx.store.get_flow(flow_id, PUBLISHED, site) or ctx.store.get_flow(flow_id, DRAFT, site)
    if flow is None or flow.id != flow_id or not ctx.store.delete_flow(flow_id, site):
        raise not_found(f"no dataflow with id '{flow_id}'")
    return {}
