"""``dataflow sandbox silverpop``: run the sandbox in the foreground until SIGINT/SIGTERM.

Once both servers accept connections, ``serve`` prints exactly one JSON line with everything a client needs
(URLs, SFTP login, OAuth credentials, list and table ids) and flushes it, so a parent process can start the
sandbox, read one line and go. ``python -m sandbox.silverpop`` runs the same thing without the dataflow CLI.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from sandbox.silverpop.config import FaultConfig, SilverpopConfig
from sandbox.silverpop.server import SilverpopSandbox


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags ``serve`` reads (the dataflow CLI defines the shared ones itself)."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback by default)")
    parser.add_argument("--port", type=int, default=0, help="XML API/OAuth port; 0 picks a free one")
    parser.add_argument("--sftp-port", type=int, default=0, help="SFTP port; 0 picks a free one")
    parser.add_argument("--seed", type=int, default=1, help="seed of the credentials, ids and contacts")
    parser.add_argument("--accounts", type=int, default=20, help="contacts seeded into the first database")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of API calls answered with a 503")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every API call")
    parser.add_argument("--token-expiry-rate", type=float, default=0.0, help="share of calls whose token expires early")
    parser.add_argument("--job-error-rate", type=float, default=0.0, help="share of data jobs that end in ERROR")
    parser.add_argument("--max-concurrent", type=int, default=10, help="concurrent API calls allowed (0 = no cap)")


def config_from_args(args: argparse.Namespace) -> SilverpopConfig:
    """A config from the parsed flags; flags a caller's parser does not define fall back to their defaults.

    A caller may also set ``databases``, ``tables`` (``DatabaseSpec``/``TableSpec`` tuples) and ``client_id`` on
    the namespace: ``dataflow sandbox silverpop`` does, with the layout of the customer configuration it was given.
    """
    faults = FaultConfig(
        server_error_rate=float(getattr(args, "fault_rate", 0.0) or 0.0),
        token_expiry_rate=float(getattr(args, "token_expiry_rate", 0.0) or 0.0),
        job_error_rate=float(getattr(args, "job_error_rate", 0.0) or 0.0),
        max_concurrent=int(getattr(args, "max_concurrent", 10)),
    )
    layout: dict[str, Any] = {}
    for name in ("databases", "tables", "client_id"):  # a layout a caller computed (dataflow's --config)
        if getattr(args, name, None):
            layout[name] = getattr(args, name)
    return SilverpopConfig(
        seed=int(getattr(args, "seed", 1)),
        contacts=int(getattr(args, "accounts", 20)),
        latency_s=float(getattr(args, "latency_ms", 0.0) or 0.0) / 1000.0,
        faults=faults,
        **layout,
    )


def serve(
    args: argparse.Namespace, *, ready: threading.Event | None = None, stop: threading.Event | None = None
) -> int:
    """Serve until SIGINT/SIGTERM (or ``stop`` is set, for tests); returns the exit code."""
    stop = stop or threading.Event()
    host, port, sftp_port = getattr(args, "host", "127.0.0.1"), getattr(args, "port", 0), getattr(args, "sftp_port", 0)
    try:
        sandbox = SilverpopSandbox(config_from_args(args), host=host, port=port or 0, sftp_port=sftp_port or 0)
        sandbox.start()
    except OSError as problem:
        where = f"{host} (port {port}, SFTP port {sftp_port})"
        print(f"dataflow sandbox: cannot listen on {where}: {problem}", file=sys.stderr)
        return 1
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    try:
        with sandbox:
            print(json.dumps(sandbox.info()), flush=True)
            if ready is not None:
                ready.set()
            while not stop.wait(0.5):
                pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.silverpop", description=__doc__)
    add_arguments(parser)
    return serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
