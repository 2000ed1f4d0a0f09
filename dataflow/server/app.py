"""``dataflow serve``'s ASGI application: the IDX REST API and the web console, over one state store, with the
scheduler in a thread of the same process (or none, when a separate ``dataflow scheduler`` runs the jobs).

Starlette is the web layer: a small, well-kept ASGI toolkit (routing, forms, Jinja2 templates, static files)
with nothing the Gigya wire format cannot use — the API answers Gigya envelopes over form params, so a
schema-first framework would add weight without benefit. uvicorn serves it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.routing import Route

from dataflow.scheduler import Scheduler
from dataflow.server import api
from dataflow.server.context import ServerContext


@dataclass
class SchedulerThread:
    scheduler: Scheduler
    poll_seconds: float = 1.0

    def __post_init__(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="scheduler", daemon=True)

    def _run(self) -> None:
        self.scheduler.run_forever(self.stop, self.poll_seconds)

    def start(self) -> None:
        self.thread.start()

    def join(self, timeout: float | None = None) -> None:
        self.stop.set()
        self.thread.join(timeout)


def create_app(ctx: ServerContext, poll_seconds: float = 1.0, console: bool = True) -> Starlette:
    """The application; starts the context's scheduler (if any) with the app and stops it on shutdown."""
    routes = []
    if console:
        from dataflow.server.console import routes as console_routes

        routes.extend(console_routes.ROUTES)
    routes.append(Route("/{method:str}", api.endpoint, methods=["GET", "POST"]))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runner = SchedulerThread(ctx.scheduler, poll_seconds) if ctx.scheduler is not None else None
        if runner is not None:
            runner.start()
        try:
            yield
        finally:
            if runner is not None:
                runner.join()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.context = ctx
    return app
