"""Schedules and runs from a flow's page: add, enable/disable, delete a scheduling; a test run (limit 10); the
jobs table that refreshes itself while a job runs."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataflow.clock import iso
from dataflow.server import schedulings
from dataflow.server.console import views
from dataflow.server.console.common import ctx_of, page, redirect, signed_in
from dataflow.server.console.session import Session
from dataflow.server.envelope import IdxError

TEST_RUN_LIMIT = 10


@signed_in
async def test_run(request: Request, session: Session) -> Response:
    ctx = ctx_of(request)
    flow_id = request.path_params["flow_id"]
    data = {
        "name": f"Test run {iso(ctx.clock())}",
        "dataflowId": flow_id,
        "frequencyType": "once",
        "limit": TEST_RUN_LIMIT,
        "fullExtract": True,
    }
    return await _schedule(request, session, flow_id, data, "Test run started (10 records).")


@signed_in
async def add_scheduling(request: Request, session: Session) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    flow_id = request.path_params["flow_id"]
    data: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "dataflowId": flow_id,
        "frequencyType": form.get("frequencyType", "once"),
        "frequencyInterval": form.get("frequencyInterval") or None,
        "nextJobStartTime": form.get("nextJobStartTime") or None,
        "fullExtract": form.get("fullExtract") == "true",
        "limit": form.get("limit") or None,
        "logLevel": form.get("logLevel") or "info",
    }
    if data["frequencyType"] == "once":
        data.pop("frequencyInterval")
    return await _schedule(request, session, flow_id, data, f"Scheduled '{data['name']}'.")


async def _schedule(request: Request, session: Session, flow_id: str, data: dict[str, Any], note: str) -> Response:
    try:
        await run_in_threadpool(schedulings.create, ctx_of(request), session.site, data)
    except IdxError as refused:
        note = f"Not scheduled: {refused.details}"
    return redirect(f"/flows/{flow_id}?watch=1&msg={quote(note)}#jobs")


async def _scheduling_of(request: Request, session: Session) -> dict[str, Any] | None:
    scheduling_id = request.path_params["scheduling_id"]
    return await run_in_threadpool(ctx_of(request).store.get_scheduling, scheduling_id, session.site)


@signed_in
async def toggle_scheduling(request: Request, session: Session) -> Response:
    ctx = ctx_of(request)
    scheduling = await _scheduling_of(request, session)
    if scheduling is None:
        return page(request, "missing.html", 404, what="scheduling")
    changed = {**scheduling, "enabled": not scheduling.get("enabled", True)}
    try:
        await run_in_threadpool(schedulings.replace, ctx, session.site, changed)
        note = f"{'Enabled' if changed['enabled'] else 'Disabled'} '{scheduling['name']}'."
    except IdxError as refused:
        note = f"Not changed: {refused.details}"
    return redirect(f"/flows/{scheduling['dataflowId']}?msg={quote(note)}#schedules")


@signed_in
async def delete_scheduling(request: Request, session: Session) -> Response:
    ctx = ctx_of(request)
    scheduling = await _scheduling_of(request, session)
    if scheduling is None:
        return page(request, "missing.html", 404, what="scheduling")
    await run_in_threadpool(ctx.store.delete_scheduling, scheduling["id"], session.site)
    return redirect(f"/flows/{scheduling['dataflowId']}?msg={quote('Deleted the scheduling.')}#schedules")


@signed_in
async def jobs_fragment(request: Request, session: Session) -> Response:
    found = await run_in_threadpool(views.jobs, ctx_of(request), session.site, request.path_params["flow_id"])
    return page(request, "_jobs.html", jobs=found)
