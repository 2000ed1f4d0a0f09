"""The dataflow pages: the list, a new flow (empty or from a shipped sample), a flow's editor and its buttons
(validate, convert, param form, save a draft, publish) and deleting a flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataflow.clock import iso
from dataflow.flowtest.model import is_test_file
from dataflow.loading import read_document
from dataflow.resources import flows_dir
from dataflow.server import dataflows
from dataflow.server.console import editor, param_form, views
from dataflow.server.console.common import ctx_of, page, redirect, signed_in
from dataflow.server.console.session import Session
from dataflow.server.envelope import IdxError
from dataflow.server.secrets import masked


@signed_in
async def flow_list(request: Request, session: Session) -> Response:
    rows = await run_in_threadpool(views.flow_rows, ctx_of(request), session.site)
    samples = sorted(p.relative_to(flows_dir()).as_posix() for p in flows_dir().rglob("*") if _is_sample(p))
    return page(request, "flows.html", flows=rows, samples=samples)


def _is_sample(path: Path) -> bool:
    return (
        path.suffix in (".json", ".yaml") and "customer" not in path.name and not is_test_file(path) and path.is_file()
    )


@signed_in
async def new_flow(request: Request, session: Session) -> Response:
    sample = request.query_params.get("sample") or ""
    document, format_, text = editor.blank(), "json", None
    path = (flows_dir() / sample).resolve()
    if sample and flows_dir().resolve() in path.parents and path.is_file():
        data, _ = read_document(path)
        document = data if isinstance(data, dict) else document
        if path.suffix == ".yaml":
            format_, text = "yaml", path.read_text(encoding="utf-8")  # keep the sample's comments
    text = text if text is not None else editor.dump(document, format_)
    checked = await run_in_threadpool(editor.check, text, format_, ctx_of(request).registry)
    return await _editor_page(request, session, None, checked)


@signed_in
async def flow_page(request: Request, session: Session) -> Response:
    ctx = ctx_of(request)
    flow_id = request.path_params["flow_id"]
    published, draft = await run_in_threadpool(views.versions, ctx, session.site, flow_id)
    shown = draft or published
    if shown is None:
        return page(request, "missing.html", 404, what=f"dataflow {flow_id}")
    format_ = request.query_params.get("format", "json")
    text = editor.dump(masked(shown.document, ctx.registry), format_)
    checked = await run_in_threadpool(editor.check, text, format_, ctx.registry)
    return await _editor_page(request, session, flow_id, checked, step=request.query_params.get("step"))


async def _editor_page(
    request: Request,
    session: Session,
    flow_id: str | None,
    checked: editor.Checked,
    status: int = 200,
    error: str | None = None,
    step: str | None = None,
) -> Response:
    ctx = ctx_of(request)

    def gather() -> dict[str, Any]:
        published, draft = views.versions(ctx, session.site, flow_id) if flow_id else (None, None)
        watermark = ctx.store.get_watermark(flow_id) if flow_id else None
        ids = editor.step_ids(checked.document)
        flagged = [d.step_id for d in checked.findings if d.step_id in ids]
        chosen = step if step in ids else (flagged or ids or [None])[0]
        chosen_step = editor.step_of(checked.document, chosen)
        return {
            "flow_id": flow_id,
            "published": published,
            "draft": draft,
            "last_runtime": iso(watermark) if watermark else None,
            "checked": checked,
            "steps": ids,
            "step": chosen,
            "step_type": (chosen_step or {}).get("type"),
            "fields": param_form.fields(ctx.registry, chosen_step) if chosen_step else [],
            "schedulings": views.schedulings(ctx, session.site, flow_id) if flow_id else [],
            "jobs": views.jobs(ctx, session.site, flow_id) if flow_id else [],
            "error": error,
            "scheduler_on": ctx.scheduler is not None,
            "watch": request.query_params.get("watch") == "1",
        }

    values = await run_in_threadpool(gather)
    return page(request, "flow.html", status, **values)


@signed_in
async def edit(request: Request, session: Session) -> Response:
    """One endpoint for the editor's buttons: validate, convert, params, draft, publish."""
    ctx = ctx_of(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    text, format_ = form.get("text", ""), form.get("format", "json")
    flow_id = form.get("flow_id") or None
    action = form.get("action", "validate")
    step = form.get("step") or None
    checked = await run_in_threadpool(editor.check, text, format_, ctx.registry)
    if action in ("to_json", "to_yaml", "params", "pick_step") and checked.document is None:
        return await _editor_page(request, session, flow_id, checked, 400, "Fix the syntax first.", step)
    if action in ("to_json", "to_yaml"):
        text = editor.dump(checked.document or {}, action[3:])
        checked = await run_in_threadpool(editor.check, text, action[3:], ctx.registry)
    elif action == "params":
        target = editor.step_of(checked.document, step)
        problems = param_form.apply(ctx.registry, target, form) if target else [f"no step '{step}'"]
        if problems:
            return await _editor_page(request, session, flow_id, checked, 400, "; ".join(problems), step)
        text = editor.dump(checked.document or {}, checked.format)
        checked = await run_in_threadpool(editor.check, text, checked.format, ctx.registry)
    elif action in ("draft", "publish"):
        return await _save(request, session, flow_id, checked, action, step)
    return await _editor_page(request, session, flow_id, checked, step=step)


async def _save(
    request: Request, session: Session, flow_id: str | None, checked: editor.Checked, action: str, step: str | None
) -> Response:
    if checked.document is None:
        return await _editor_page(request, session, flow_id, checked, 400, "The text is not a dataflow object.", step)
    if action == "publish" and checked.findings:
        error = f"Not published: {len(checked.findings)} problem(s) to fix first (save it as a draft meanwhile)."
        return await _editor_page(request, session, flow_id, checked, 400, error, step)
    status = "published" if action == "publish" else "draft"
    try:
        saved = await run_in_threadpool(
            dataflows.save, ctx_of(request), session.site, checked.document, status, flow_id
        )
    except IdxError as refused:
        return await _editor_page(request, session, flow_id, checked, 400, refused.details, step)
    note = f"{'Published' if action == 'publish' else 'Saved the draft'}: version {saved.version}"
    return redirect(f"/flows/{saved.id}?format={checked.format}&msg={quote(note)}")


@signed_in
async def delete_flow(request: Request, session: Session) -> Response:
    ctx = ctx_of(request)
    flow_id = request.path_params["flow_id"]
    await run_in_threadpool(ctx.store.delete_flow, flow_id, session.site)
    return redirect(f"/?msg={quote('Deleted the dataflow.')}")
