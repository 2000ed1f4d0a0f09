"""What every console page shares: templates, sessions, the server context, and the sign-in guard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from dataflow.server.console import views
from dataflow.server.console.session import COOKIE, Session, Sessions
from dataflow.server.context import ServerContext

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["records_read"] = views.records_read
sessions = Sessions()


def ctx_of(request: Request) -> ServerContext:
    return request.app.state.context


def session_of(request: Request) -> Session | None:
    return sessions.get(request.cookies.get(COOKIE))


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def page(request: Request, name: str, status: int = 200, **values: Any) -> Response:
    session = session_of(request)
    values.setdefault("message", request.query_params.get("msg"))
    return templates.TemplateResponse(request, name, {"session": session, **values}, status_code=status)


def signed_in(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        session = session_of(request)
        if session is None:
            return redirect("/signin")
        return await handler(request, session)

    return endpoint
