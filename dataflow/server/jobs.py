"""idx.killJob: stop a running job of the caller's site at its next batch (this engine's addition: IdentitySync
documents no stop API, its console has a kill button). The job ends ``killed``; its status says so."""

from __future__ import annotations

from typing import Any

from dataflow.server.context import ServerContext
from dataflow.server.envelope import invalid, not_found
from dataflow.server.params import required


def owned_job(ctx: ServerContext, site: str, job_id: str) -> dict[str, Any]:
    job = ctx.store.get_job(job_id)
    if job is None or job.get("apiKey") != site:
        raise not_found(f"no job with id '{job_id}'")
    return job


def kill(ctx: ServerContext, site: str, job_id: str) -> None:
    job = owned_job(ctx, site, job_id)
    if job["status"] != "running" or not ctx.store.request_kill(job_id):
        raise invalid(f"job '{job_id}' is not running (status {job['status']})")


def kill_job(ctx: ServerContext, site: str, params: dict[str, str]) -> dict[str, Any]:
    kill(ctx, site, required(params, "id"))
    return {}
