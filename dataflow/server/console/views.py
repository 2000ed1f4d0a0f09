"""What the console's pages show, gathered from the store for one site (plain data for the templates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dataflow.clock import iso
from dataflow.server.context import ServerContext
from dataflow.server.documents import job_document, scheduling_document
from dataflow.store import StoredFlow

RECENT_JOBS = 15


@dataclass
class FlowRow:
    id: str
    name: str
    description: str
    published: int | None
    draft: int | None
    updated: str
    last_runtime: str | None
    last_job: dict[str, Any] | None


def flow_rows(ctx: ServerContext, site: str) -> list[FlowRow]:
    rows: dict[str, FlowRow] = {}
    for flow in ctx.store.list_flows(site):
        row = rows.get(flow.id)
        if row is None:
            watermark = ctx.store.get_watermark(flow.id)
            last = ctx.store.search("idx_job_status", site, {"dataflowId": flow.id}, [("startTime", True)], 1)
            row = rows[flow.id] = FlowRow(
                flow.id,
                flow.name,
                str(flow.document.get("description") or ""),
                None,
                None,
                flow.updated,
                iso(watermark) if watermark else None,
                last[0] if last else None,
            )
        if flow.status == "published":
            row.published, row.name = flow.version, flow.name
        else:
            row.draft = flow.version
        row.updated = max(row.updated, flow.updated)
    return sorted(rows.values(), key=lambda r: r.name.lower())


def versions(ctx: ServerContext, site: str, flow_id: str) -> tuple[StoredFlow | None, StoredFlow | None]:
    published = ctx.store.get_flow(flow_id, "published", site)
    draft = ctx.store.get_flow(flow_id, "draft", site)
    return (
        published if published and published.id == flow_id else None,
        draft if draft and draft.id == flow_id else None,
    )


def schedulings(ctx: ServerContext, site: str, flow_id: str) -> list[dict[str, Any]]:
    found = ctx.store.search("scheduling", site, {"dataflowId": flow_id}, [("name", False)])
    return [scheduling_document(ctx, s) for s in found]


def jobs(ctx: ServerContext, site: str, flow_id: str) -> list[dict[str, Any]]:
    found = ctx.store.search("idx_job_status", site, {"dataflowId": flow_id}, [("startTime", True)], RECENT_JOBS)
    return [job_document(job) for job in found]


def records_read(job: dict[str, Any]) -> int | None:
    """What the job has read so far: its total when finished, else the first step's live count."""
    if job.get("totalRecords") is not None:
        return int(job["totalRecords"])
    counters = job.get("counters") or {}
    return max((c.get("in", 0) + c.get("added", 0) for c in counters.values()), default=None)
