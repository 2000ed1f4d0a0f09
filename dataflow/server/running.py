"""Building a server over ``DATAFLOW_HOME`` and running it: in the foreground (``dataflow serve``) or in a
background thread on a free port (tests, benchmarks, embedding).

uvicorn's access log is off: a GET request's query string may hold a ``secret``. The API logs its own line per
call (method and error code, never the params).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import uvicorn

from dataflow.clock import Clock, utc_now
from dataflow.registry import Registry, default_registry
from dataflow.runtime.jobs import JobService
from dataflow.scheduler import Scheduler
from dataflow.server.app import create_app
from dataflow.server.auth import Authenticator
from dataflow.server.context import ServerContext
from dataflow.settings import load_settings
from dataflow.store import Store, open_store


def build_context(
    home: Path,
    with_scheduler: bool = True,
    environ: Mapping[str, str] | None = None,
    registry: Registry | None = None,
    clock: Clock = utc_now,
    store: Store | None = None,
    log: Any = print,
) -> ServerContext:
    store = store or open_store(home)
    settings = load_settings(home)
    service = JobService(
        store,
        settings,
        home / "jobs",
        clock=clock,
        environ=dict(environ if environ is not None else os.environ),
        registry=registry,
    )
    scheduler = Scheduler(service, clock=clock, log=log) if with_scheduler else None
    return ServerContext(
        store=store,
        registry=registry or default_registry(),
        service=service,
        auth=Authenticator(store),
        scheduler=scheduler,
        clock=clock,
    )


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def uvicorn_server(ctx: ServerContext, poll_seconds: float = 1.0, **options: Any) -> uvicorn.Server:
    config = uvicorn.Config(
        create_app(ctx, poll_seconds=poll_seconds),
        access_log=False,
        log_level=options.pop("log_level", "warning"),
        lifespan="on",
        **options,
    )
    return uvicorn.Server(config)


class BackgroundServer:
    """A server on a free loopback port in a thread; ``url`` once started, ``stop()`` to end it."""

    def __init__(self, ctx: ServerContext, host: str = "127.0.0.1", poll_seconds: float = 0.2) -> None:
        self.ctx = ctx
        self.socket = listening_socket(host, 0)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.server = uvicorn_server(ctx, poll_seconds=poll_seconds)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
