"""``dataflow run``: one job, with a live progress display on a terminal and a per-step summary."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from dataflow import jsonio
from dataflow.cli.commands import UsageError, load_variables, print_diagnostics, site_environ
from dataflow.cli.context import executor, job_service
from dataflow.errors import FlowInvalid
from dataflow.runtime.home import dataflow_home
from dataflow.runtime.jobs import JobRequest, resolve
from dataflow.store import AlreadyRunning

EXIT_SUCCEEDED, EXIT_FAILED, EXIT_INVALID, EXIT_REFUSED = 0, 1, 2, 3


def run(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 0:
        print("dataflow run: --limit must be 0 or more", file=sys.stderr)
        return EXIT_INVALID
    if not args.sandbox:
        return _run(args, site_environ(args.site, dict(os.environ)), {}, None)
    from dataflow.cli.sandbox_run import demo_services, flow_step_types, sandbox_names

    step_types = flow_step_types(args.flow)
    print(f"starting the {sandbox_names(step_types)} sandboxes on loopback ...", file=sys.stderr)
    from sandbox.storage import ServerUnavailable

    try:
        with demo_services(step_types) as demo:
            return run_in_sandbox(args, demo)
    except ServerUnavailable as missing:  # a file store's stand-in is not installed: say what to install
        print(f"dataflow run --sandbox: {missing}", file=sys.stderr)
        return EXIT_FAILED


def run_in_sandbox(args: argparse.Namespace, demo: Any) -> int:
    """The job of ``run --sandbox`` against sandboxes already started (tests start them to read them back after)."""
    os.environ.update(demo.environ)  # validation reads the site known_hosts from the process environment
    return _run(args, {**os.environ, **demo.environ}, demo.variables, demo)


def _run(args: argparse.Namespace, environ: dict[str, str], defaults: dict[str, Any], demo: Any) -> int:
    try:
        partitions = executor(args)
    except ValueError as problem:
        raise UsageError(str(problem)) from problem
    try:
        return _run_with(args, environ, defaults, demo, partitions)
    finally:
        if partitions is not None:
            partitions.close()


def _run_with(
    args: argparse.Namespace, environ: dict[str, str], defaults: dict[str, Any], demo: Any, partitions: Any
) -> int:
    service = job_service(environ, home=dataflow_home() / "sandbox" if demo else None, executor=partitions)
    try:
        target = resolve(service.store, args.flow, {**defaults, **load_variables(args)}, draft=args.draft)
    except FlowInvalid as invalid:
        print_diagnostics(invalid.diagnostics)
        return EXIT_INVALID
    except LookupError as missing:
        print(f"dataflow run: {missing.args[0]}", file=sys.stderr)
        return EXIT_INVALID
    request = JobRequest(
        target=target,
        limit=args.limit,
        log_level=args.log_level,
        full_extract=args.full_extract or demo is not None,
        batch_size=max(1, args.batch_size),
    )
    console = Console(stderr=True)
    if partitions is not None:
        console.print(f"partitions run on the {partitions.describe()}", highlight=False)
    live = Live(console=console, refresh_per_second=4, transient=True) if console.is_terminal else None
    if live is not None:
        request.on_progress = lambda counters: live.update(_table(counters, "running"))
    try:
        with _killed_on_signals(request.cancel_event):
            if live is not None:
                with live:
                    status = service.run(request)
            else:
                status = service.run(request)
    except AlreadyRunning as busy:
        print(f"dataflow run: refused: {busy}", file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        print(jsonio.dumps_pretty(status))
    else:
        _summary(status)
        for line in demo.summary() if demo is not None else []:
            Console().print(line, highlight=False)
    return EXIT_SUCCEEDED if status["status"] == "succeeded" else EXIT_FAILED


def _table(counters: dict[str, dict[str, int]], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("step", "in", "out", "errors", "filtered", "added", "files in", "files out"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for step_id, counts in counters.items():
        table.add_row(
            step_id,
            *(f"{counts[key]:,}" for key in ("in", "out", "errors", "filtered", "added")),
            *(f"{counts[key]:,}" if key in counts else "" for key in ("filesIn", "filesOut")),
        )
    return table


def _summary(status: dict[str, Any]) -> None:
    console = Console()
    console.print(_table(status["counters"], f"job {status['id']}: {status['status']}"))
    console.print(f"records read: {status['totalRecords']:,}; failed into the error file: {status['failedRecords']:,}")
    if status.get("errorFile"):
        console.print(f"error file: {status['errorFile']}")
    if status.get("errorMessage"):
        console.print(f"[red]{status['errorMessage']}[/red]", highlight=False)
    console.print(f"work dir: {status['workDir']}", highlight=False)


class _killed_on_signals:
    """SIGTERM marks the job killed (and lets it close its files) instead of leaving it running forever."""

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel
        self._previous: Any = None

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.cancel.set()

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)
