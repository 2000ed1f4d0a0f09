"""``dataflow sandbox SERVICE``: run a local stand-in for an external service in the foreground.

``serve(args)`` takes the namespace of the ``dataflow sandbox`` subcommand (service, host, port, seed, accounts,
fault_rate, latency_ms; optionally drop_rate). For ``gigya`` it prints one JSON line once the server listens —
``{"service", "url", "apiKey", "userKey", "secret", "dataCenter"}`` — and serves until SIGINT or SIGTERM.
``silverpop`` is handed to ``sandbox.silverpop.cli.serve`` when that package is installed (exit 2 otherwise).
The partner stand-ins (``mailchimp``, ``marketo``, ``campaignmonitor``, ``constantcontact``, ``salesforce``,
``sfmc``, ``bluekai``) print their connection (``sandbox.partners``) the same way.
``python -m sandbox.cli`` offers the same without the engine installed (benchmarks start it that way).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from sandbox.serving import serve_until_signal

STORES = ("s3", "azure", "ftp", "ftps")


def serve(args: argparse.Namespace) -> int:
    if args.service == "gigya":
        return _serve_gigya(args)
    if args.service in STORES:
        return _serve_store(args.service)
    if args.service == "all":
        return _serve_all(args)
    from sandbox.partners import PARTNERS, serve_partner

    if args.service in PARTNERS:
        return serve_partner(args)
    try:  # the Silverpop sandbox lives in its own package and brings its own serve()
        from sandbox.silverpop.cli import serve as serve_silverpop
    except ImportError as problem:
        print(f"dataflow sandbox: {args.service} is not available yet ({problem})", file=sys.stderr)
        return 2
    return serve_silverpop(args)


def _serve_gigya(args: argparse.Namespace) -> int:
    from sandbox.gigya import GigyaSandbox

    drop_rate = getattr(args, "drop_rate", None)
    if drop_rate is None:
        drop_rate = float(os.environ.get("DATAFLOW_SANDBOX_DROP_RATE") or 0.0)
    try:
        sandbox = GigyaSandbox(
            accounts=args.accounts,
            seed=args.seed,
            host=args.host,
            port=args.port,
            fault_rate=args.fault_rate,
            latency_ms=args.latency_ms,
            drop_rate=drop_rate,
        ).start()
    except OSError as problem:
        print(f"dataflow sandbox: cannot listen on {args.host}:{args.port}: {problem}", file=sys.stderr)
        return 1
    line = {"service": "gigya", "url": sandbox.url, **sandbox.config.credentials()}
    return serve_until_signal([line], sandbox.stop)


def _serve_store(service: str) -> int:
    """A file-store stand-in (moto's S3, azurite, pyftpdlib) on a free port: one JSON line, then until a signal."""
    from sandbox.storage import AzuriteServer, FtpServer, S3Server, ServerUnavailable

    try:
        if service == "s3":
            server: Any = S3Server().start()
        elif service == "azure":
            server = AzuriteServer().start()
        else:
            server = FtpServer(tls=service == "ftps").start()
    except ServerUnavailable as missing:
        print(f"dataflow sandbox {service}: {missing}", file=sys.stderr)
        return 2
    return serve_until_signal([server.info()], server.stop)


def _serve_all(args: argparse.Namespace) -> int:
    """Both sandboxes in one process, on free ports: one JSON line each (Gigya first), until a signal."""
    from sandbox.gigya import GigyaSandbox
    from sandbox.silverpop.cli import config_from_args
    from sandbox.silverpop.server import SilverpopSandbox

    gigya = GigyaSandbox(
        accounts=args.accounts, seed=args.seed, host=args.host, fault_rate=args.fault_rate, latency_ms=args.latency_ms
    ).start()
    silverpop = SilverpopSandbox(config_from_args(args), host=args.host, port=0, sftp_port=0)
    silverpop.start()

    def stop_both() -> None:
        silverpop.stop()
        gigya.stop()

    lines = [{"service": "gigya", "url": gigya.url, **gigya.config.credentials()}, silverpop.info()]
    return serve_until_signal(lines, stop_both)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.cli", description=__doc__)
    from sandbox.partners import PARTNERS

    parser.add_argument("service", choices=("gigya", "silverpop", "all", *PARTNERS, *STORES))
    parser.add_argument("--sftp-port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--drop-rate", type=float, default=None)
    return serve(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
