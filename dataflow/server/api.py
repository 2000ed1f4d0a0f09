"""The IDX REST endpoint: ``POST|GET /idx.<method>`` with Gigya's params, auth and envelope.

Params come from the query string and a form body (``application/x-www-form-urlencoded`` or multipart). A method
runs in a worker thread (the store and validation block), and whatever goes wrong comes back as a Gigya error
code: a bug is logged here with its traceback and answered 500001 naming the callId, never with the traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataflow import jsonio
from dataflow.server import dataflows, jobs, schedulings, search
from dataflow.server.auth import CallInfo
from dataflow.server.context import ServerContext
from dataflow.server.envelope import IdxError, envelope, error_body

Method = Callable[[ServerContext, str, dict[str, str]], dict[str, Any]]
log = logging.getLogger("dataflow.server")

METHODS: dict[str, Method] = {
    "idx.createDataflow": dataflows.create_dataflow,
    "idx.createDataflowDraft": dataflows.create_dataflow_draft,
    "idx.getDataflow": dataflows.get_dataflow,
    "idx.setDataflow": dataflows.set_dataflow,
    "idx.setDataflowDraft": dataflows.set_dataflow_draft,
    "idx.deleteDataflow": dataflows.delete_dataflow,
    "idx.createScheduling": schedulings.create_scheduling,
    "idx.getScheduling": schedulings.get_scheduling,
    "idx.setScheduling": schedulings.set_scheduling,
    "idx.deleteScheduling": schedulings.delete_scheduling,
    "idx.search": search.search,
    "idx.killJob": jobs.kill_job,
}
_FORM = "application/x-www-form-urlencoded"


async def endpoint(request: Request) -> Response:
    ctx: ServerContext = request.app.state.context
    method = request.path_params["method"]
    try:
        params = await _params(request)
    except IdxError as problem:
        return _answer(error_body(problem), {})
    call = CallInfo(
        http_method=request.method,
        path=request.url.path,
        scheme=request.url.scheme,
        headers={k.lower(): v for k, v in request.headers.items()},
    )
    body = await run_in_threadpool(_call, ctx, method, params, call)
    return _answer(body, params)


def _call(ctx: ServerContext, method: str, params: dict[str, str], call: CallInfo) -> dict[str, Any]:
    body = _dispatch(ctx, method, params, call)
    log.info("%s apiKey=%s errorCode=%s callId=%s", method, params.get("apiKey"), body["errorCode"], body["callId"])
    return body


def _dispatch(ctx: ServerContext, method: str, params: dict[str, str], call: CallInfo) -> dict[str, Any]:
    try:
        handler = METHODS.get(method)
        if handler is None:
            known = ", ".join(sorted(METHODS))
            raise IdxError(400096, f"method '{method}' is not supported; supported: {known}")
        principal = ctx.auth.authenticate(params, call)
        return envelope(0, **handler(ctx, principal.site, params))
    except IdxError as problem:
        return error_body(problem)
    except Exception:
        body = envelope(500001, errorMessage="General Server Error")
        body["errorDetails"] = f"an unexpected error occurred; the server log has it under callId {body['callId']}"
        log.exception("%s failed (callId %s)", method, body["callId"])
        return body


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method != "POST":
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == _FORM:
        raw = await request.body()
        try:
            params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            raise IdxError(400001, "the request body is not a valid UTF-8 form") from None
    elif content_type == "multipart/form-data":
        form = await request.form()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    elif await request.body():
        raise IdxError(400001, f"send params as a form ({_FORM}), not {content_type or 'an untyped body'}")
    return params


def _answer(body: dict[str, Any], params: dict[str, str]) -> Response:
    if "context" in params:
        body["context"] = params["context"]
    http_codes = params.get("httpStatusCodes", "").strip().lower() == "true"
    return Response(
        jsonio.dumpb(body),
        status_code=body["statusCode"] if http_codes else 200,
        media_type="application/json",
    )
