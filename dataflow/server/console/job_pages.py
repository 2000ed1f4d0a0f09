"""A job's page (status, per-step counters, trace, error file) with its live fragment, and the kill button."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from dataflow.server import jobs
from dataflow.server.console.common import ctx_of, page, redirect, signed_in
from dataflow.server.console.session import Session
from dataflow.server.envelope import IdxError


async def _job(request: Request, session: Session) -> dict[str, Any] | None:
    try:
        job = await run_in_threadpool(jobs.owned_job, ctx_of(request), session.site, request.path_params["job_id"])
    except IdxError:
        return None
    return job


@signed_in
async def job_page(request: Request, session: Session) -> Response:
    job = await _job(request, session)
    if job is None:
        return page(request, "missing.html", 404, what="job")
    return page(request, "job.html", job=job)


@signed_in
async def job_fragment(request: Request, session: Session) -> Response:
    job = await _job(request, session)
    if job is None:
        return Response("", status_code=404)
    return page(request, "_job.html", job=job)


@signed_in
async def kill_job(request: Request, session: Session) -> Response:
    job_id = request.path_params["job_id"]
    try:
        await run_in_threadpool(jobs.kill, ctx_of(request), session.site, job_id)
        note = "Kill requested: the job stops at its next batch."
    except IdxError as refused:
        note = refused.details
    return redirect(f"/jobs/{job_id}?msg={quote(note)}")


@signed_in
async def job_errors(request: Request, session: Session) -> Response:
    job = await _job(request, session)
    path = Path(job["errorFile"]) if job and job.get("errorFile") else None
    if path is None or not path.is_file():
        return page(request, "missing.html", 404, what="error file")
    return FileResponse(path, media_type="text/plain; charset=utf-8", filename=f"errors-{job['id']}.jsonl")
