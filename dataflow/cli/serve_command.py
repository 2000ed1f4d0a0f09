"""``dataflow serve``: the IDX REST API and the web console on one port, with the scheduler inside."""

from __future__ import annotations

import argparse
import signal

from dataflow.clock import iso, utc_now
from dataflow.runtime.home import dataflow_home


def add_parser(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="serve the IdentitySync-compatible REST API and the web console")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback by default)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on; 0 picks a free one")
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not run schedulings in this process (a separate `dataflow scheduler` does)",
    )
    serve.add_argument("--poll-seconds", type=float, default=1.0, help="how often the scheduler looks for due jobs")
    serve.add_argument("--ssl-certfile", metavar="FILE", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--ssl-keyfile", metavar="FILE", help="the certificate's private key (PEM)")


def run(args: argparse.Namespace) -> int:
    from dataflow.server.running import build_context, listening_socket, uvicorn_server

    def log(line: str) -> None:
        print(f"{iso(utc_now())} {line}", flush=True)

    home = dataflow_home()
    ctx = build_context(home, with_scheduler=not args.no_scheduler, log=log)
    sock = listening_socket(args.host, args.port)
    host, port = sock.getsockname()[:2]
    scheme = "https" if args.ssl_certfile else "http"
    options = {"ssl_certfile": args.ssl_certfile, "ssl_keyfile": args.ssl_keyfile} if args.ssl_certfile else {}
    server = uvicorn_server(ctx, poll_seconds=args.poll_seconds, log_level="info", **options)
    shown = f"[{host}]" if ":" in host else host
    log(f"serving the IDX API and the console on {scheme}://{shown}:{port}/ (state in {home})")
    if not ctx.store.list_sites():
        log("no site yet: add one with `dataflow site add NAME` to sign in")
    if args.no_scheduler:
        log("scheduler off: run `dataflow scheduler` beside this server to run schedulings")
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        # uvicorn shuts down gracefully on these, then re-raises them to the previous handler: let that be a no-op
        # so the command ends with "server stopped" and exit code 0
        signal.signal(stop_signal, lambda signum, frame: None)
    server.run(sockets=[sock])
    log("server stopped")
    return 0
