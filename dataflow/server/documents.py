"""Stored rows as the API shows them: IdentitySync's dataflow, scheduling and idx_job_status objects.

Server-managed fields are added (``version``, ``apiKey``, ``lastRuntime``, ``jobId``, ``hostName``), secrets are
masked, and what only this engine's internals need (the owning process, the work directory) is left out.
"""

from __future__ import annotations

from typing import Any

from dataflow.clock import iso
from dataflow.server.context import ServerContext
from dataflow.server.secrets import masked
from dataflow.store import StoredFlow

_JOB_INTERNALS = ("owner", "killRequested", "workDir")
_SCHEDULING_INTERNALS = ("retryAttempt",)


def flow_document(ctx: ServerContext, flow: StoredFlow | dict[str, Any]) -> dict[str, Any]:
    """A stored flow (or an idx.search row of one) with secrets masked and its last successful run."""
    if isinstance(flow, StoredFlow):
        document: dict[str, Any] = {
            "id": flow.id,
            **flow.document,
            "status": flow.status,
            "version": flow.version,
            "apiKey": flow.site,
            "createTime": flow.created,
            "updateTime": flow.updated,
        }
    else:
        document = dict(flow)
    watermark = ctx.store.get_watermark(document["id"])
    if watermark is not None:
        document["lastRuntime"] = iso(watermark)
    return masked(document, ctx.registry)


def scheduling_document(ctx: ServerContext, scheduling: dict[str, Any]) -> dict[str, Any]:
    """A scheduling with the id and start time of its current or last job."""
    document = {k: v for k, v in scheduling.items() if k not in _SCHEDULING_INTERNALS}
    last = ctx.store.search(
        "idx_job_status", scheduling["apiKey"], {"schedulingId": scheduling["id"]}, [("startTime", True)], 1
    )
    if last:
        document["jobId"] = last[0]["id"]
        if last[0]["status"] == "running":
            document["currentJobStartTime"] = last[0]["startTime"]
    return document


def job_document(job: dict[str, Any]) -> dict[str, Any]:
    document = {k: v for k, v in job.items() if k not in _JOB_INTERNALS}
    owner = job.get("owner")
    if isinstance(owner, str) and ":" in owner:
        document["hostName"] = owner.rpartition(":")[0]
    document.setdefault("createTime", job.get("startTime"))
    return document
