"""The web console: sign in with a site's keys, list its dataflows, edit one (JSON/YAML editor with findings at
their lines, param forms from the components' schemas, the graph drawn), save it as a draft or publish it,
schedule it, test-run it (limit 10), watch its jobs live, read their traces, kill a running one.

Server-rendered pages (Jinja2) and one small script; every change goes through the same functions as the IDX
API (``dataflows.save``, ``schedulings.create``, ``jobs.kill``), so the console and the API cannot disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from dataflow.clock import iso
from dataflow.loading import read_document
from dataflow.resources import flows_dir
from dataflow.server import dataflows, jobs, schedulings
from dataflow.server.console import editor, param_form, views
from dataflow.server.console.session import COOKIE, Session, Sessions
from dataflow.server.context import ServerContext
from dataflow.server.envelope import IdxError
from dataflow.server.secrets import masked

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["records_read"] = views.records_read
sessions = Sessions()
TEST_RUN_LIMIT = 10


def _ctx(request: Request) -> ServerContext:
    return request.app.state.context


def _session(request: Request) -> Session | None:
    return sessions.get(request.cookies.get(COOKIE))


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _page(request: Request, name: str, status: int = 200, **values: Any) -> Response:
    session = _session(request)
    values.setdefault("message", request.query_params.get("msg"))
    return templates.TemplateResponse(request, name, {"session": session, **values}, status_code=status)


def signed_in(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        session = _session(request)
        if session is None:
            return _redirect("/signin")
        return await handler(request, session)

    return endpoint


# -- sign-in ----------------------------------------------------------------------------------------------
async def signin_page(request: Request) -> Response:
    return _page(request, "signin.html")


async def signin(request: Request) -> Response:
    form = await request.form()
    api_key, user_key, secret = (str(form.get(k) or "").strip() for k in ("apiKey", "userKey", "secret"))
    ok = await run_in_threadpool(_ctx(request).auth.check_secret, api_key, user_key, secret)
    if not ok:
        return _page(request, "signin.html", 403, error="These keys do not open any site.", api_key=api_key)
    response = _redirect("/")
    response.set_cookie(COOKIE, sessions.open(api_key, user_key), httponly=True, samesite="strict")
    return response


async def signout(request: Request) -> Response:
    sessions.close(request.cookies.get(COOKIE))
    response = _redirect("/signin")
    response.delete_cookie(COOKIE)
    return response


# -- dataflows ----------------------------------------------------------------------------------------------
@signed_in
async def flow_list(request: Request, session: Session) -> Response:
    rows = await run_in_threadpool(views.flow_rows, _ctx(request), session.site)
    samples = sorted(p.relative_to(flows_dir()).as_posix() for p in flows_dir().rglob("*") if _is_sample(p))
    return _page(request, "flows.html", flows=rows, samples=samples)


def _is_sample(path: Path) -> bool:
    return path.suffix in (".json", ".yaml") and "customer" not in path.name and path.is_file()


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
    checked = await run_in_threadpool(editor.check, text, format_, _ctx(request).registry)
    return await _editor_page(request, session, None, checked)


@signed_in
async def flow_page(request: Request, session: Session) -> Response:
    ctx = _ctx(request)
    flow_id = request.path_params["flow_id"]
    published, draft = await run_in_threadpool(views.versions, ctx, session.site, flow_id)
    shown = draft or published
    if shown is None:
        return _page(request, "missing.html", 404, what=f"dataflow {flow_id}")
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
    ctx = _ctx(request)

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
    return _page(request, "flow.html", status, **values)


@signed_in
async def edit(request: Request, session: Session) -> Response:
    """One endpoint for the editor's buttons: validate, convert, params, draft, publish."""
    ctx = _ctx(request)
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
        saved = await run_in_threadpool(dataflows.save, _ctx(request), session.site, checked.document, status, flow_id)
    except IdxError as refused:
        return await _editor_page(request, session, flow_id, checked, 400, refused.details, step)
    note = f"{'Published' if action == 'publish' else 'Saved the draft'}: version {saved.version}"
    return _redirect(f"/flows/{saved.id}?format={checked.format}&msg={quote(note)}")


@signed_in
async def delete_flow(request: Request, session: Session) -> Response:
    ctx = _ctx(request)
    flow_id = request.path_params["flow_id"]
    await run_in_threadpool(ctx.store.delete_flow, flow_id, session.site)
    return _redirect(f"/?msg={quote('Deleted the dataflow.')}")


# -- schedulings and runs -------------------------------------------------------------------------------------
@signed_in
async def test_run(request: Request, session: Session) -> Response:
    ctx = _ctx(request)
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
        await run_in_threadpool(schedulings.create, _ctx(request), session.site, data)
    except IdxError as refused:
        note = f"Not scheduled: {refused.details}"
    return _redirect(f"/flows/{flow_id}?watch=1&msg={quote(note)}#jobs")


@signed_in
async def toggle_scheduling(request: Request, session: Session) -> Response:
    ctx = _ctx(request)
    scheduling = ctx.store.get_scheduling(request.path_params["scheduling_id"], session.site)
    if scheduling is None:
        return _page(request, "missing.html", 404, what="scheduling")
    changed = {**scheduling, "enabled": not scheduling.get("enabled", True)}
    try:
        await run_in_threadpool(schedulings.replace, ctx, session.site, changed)
        note = f"{'Enabled' if changed['enabled'] else 'Disabled'} '{scheduling['name']}'."
    except IdxError as refused:
        note = f"Not changed: {refused.details}"
    return _redirect(f"/flows/{scheduling['dataflowId']}?msg={quote(note)}#schedules")


@signed_in
async def delete_scheduling(request: Request, session: Session) -> Response:
    ctx = _ctx(request)
    scheduling = ctx.store.get_scheduling(request.path_params["scheduling_id"], session.site)
    if scheduling is None:
        return _page(request, "missing.html", 404, what="scheduling")
    await run_in_threadpool(ctx.store.delete_scheduling, scheduling["id"], session.site)
    return _redirect(f"/flows/{scheduling['dataflowId']}?msg={quote('Deleted the scheduling.')}#schedules")


@signed_in
async def jobs_fragment(request: Request, session: Session) -> Response:
    found = await run_in_threadpool(views.jobs, _ctx(request), session.site, request.path_params["flow_id"])
    return _page(request, "_jobs.html", jobs=found)


# -- jobs ---------------------------------------------------------------------------------------------------
async def _job(request: Request, session: Session) -> dict[str, Any] | None:
    try:
        job = await run_in_threadpool(jobs.owned_job, _ctx(request), session.site, request.path_params["job_id"])
    except IdxError:
        return None
    return job


@signed_in
async def job_page(request: Request, session: Session) -> Response:
    job = await _job(request, session)
    if job is None:
        return _page(request, "missing.html", 404, what="job")
    return _page(request, "job.html", job=job)


@signed_in
async def job_fragment(request: Request, session: Session) -> Response:
    job = await _job(request, session)
    if job is None:
        return Response("", status_code=404)
    return _page(request, "_job.html", job=job)


@signed_in
async def kill_job(request: Request, session: Session) -> Response:
    job_id = request.path_params["job_id"]
    try:
        await run_in_threadpool(jobs.kill, _ctx(request), session.site, job_id)
        note = "Kill requested: the job stops at its next batch."
    except IdxError as refused:
        note = refused.details
    return _redirect(f"/jobs/{job_id}?msg={quote(note)}")


@signed_in
async def job_errors(request: Request, session: Session) -> Response:
    job = await _job(request, session)
    path = Path(job["errorFile"]) if job and job.get("errorFile") else None
    if path is None or not path.is_file():
        return _page(request, "missing.html", 404, what="error file")
    return FileResponse(path, media_type="text/plain; charset=utf-8", filename=f"errors-{job['id']}.jsonl")


ROUTES: list[BaseRoute] = [
    Route("/", flow_list),
    Route("/signin", signin_page, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/flows/new", new_flow),
    Route("/flows/edit", edit, methods=["POST"]),
    Route("/flows/{flow_id}", flow_page),
    Route("/flows/{flow_id}/delete", delete_flow, methods=["POST"]),
    Route("/flows/{flow_id}/test-run", test_run, methods=["POST"]),
    Route("/flows/{flow_id}/schedulings", add_scheduling, methods=["POST"]),
    Route("/flows/{flow_id}/jobs", jobs_fragment),
    Route("/schedulings/{scheduling_id}/toggle", toggle_scheduling, methods=["POST"]),
    Route("/schedulings/{scheduling_id}/delete", delete_scheduling, methods=["POST"]),
    Route("/jobs/{job_id}", job_page),
    Route("/jobs/{job_id}/fragment", job_fragment),
    Route("/jobs/{job_id}/kill", kill_job, methods=["POST"]),
    Route("/jobs/{job_id}/errors", job_errors),
    Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
]
