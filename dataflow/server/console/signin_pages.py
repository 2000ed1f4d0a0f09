"""Signing in to the console with a site's keys, and out."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dataflow.server.console.common import ctx_of, page, redirect, sessions
from dataflow.server.console.session import COOKIE


async def signin_page(request: Request) -> Response:
    return page(request, "signin.html")


async def signin(request: Request) -> Response:
    form = await request.form()
    api_key, user_key, secret = (str(form.get(k) or "").strip() for k in ("apiKey", "userKey", "secret"))
    ok = await run_in_threadpool(ctx_of(request).auth.check_secret, api_key, user_key, secret)
    if not ok:
        return page(request, "signin.html", 403, error="These keys do not open any site.", api_key=api_key)
    response = redirect("/")
    response.set_cookie(COOKIE, sessions.open(api_key, user_key), httponly=True, samesite="strict")
    return response


async def signout(request: Request) -> Response:
    sessions.close(request.cookies.get(COOKIE))
    response = redirect("/signin")
    response.delete_cookie(COOKIE)
    return response
