"""``dataflow schedule add|list|rm`` and ``dataflow scheduler`` (run due jobs in the foreground)."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from dataflow import jsonio
from dataflow.cli.commands import UsageError
from dataflow.cli.context import add_executor_options, executor, job_service, store
from dataflow.clock import iso, utc_now
from dataflow.scheduler import Scheduler
from dataflow.scheduling import FREQUENCY_TYPES, parse_time, validate_scheduling


def add_parser(commands: argparse._SubParsersAction) -> None:
    schedule = commands.add_parser("schedule", help="add, list and remove schedulings of stored flows")
    actions = schedule.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="schedule a stored flow")
    add.add_argument("flow", metavar="NAME")
    add.add_argument("--name", help="name of the scheduling (default: the flow's name and the frequency)")
    add.add_argument("--frequency-type", choices=FREQUENCY_TYPES, required=True)
    add.add_argument("--frequency-interval", type=int, default=1)
    add.add_argument("--start", help="first start, 'YYYY-MM-DD HH:MM:SS' UTC (default: now)")
    add.add_argument("--full-extract", action="store_true")
    add.add_argument("--limit", type=int)
    add.add_argument("--log-level", choices=("info", "error", "debug"), default="info")
    add.add_argument("--disabled", action="store_true")
    add.add_argument("--success-email", default="", help="comma-separated addresses told when a job succeeds")
    add.add_argument("--failure-email", default="", help="comma-separated addresses told when a job fails")
    listing = actions.add_parser("list", help="list schedulings with their next start")
    listing.add_argument("--json", action="store_true")
    remove = actions.add_parser("rm", help="remove a scheduling")
    remove.add_argument("id", metavar="ID")

    scheduler = commands.add_parser("scheduler", help="run due jobs in the foreground until stopped")
    scheduler.add_argument("--poll-seconds", type=float, default=1.0)
    add_executor_options(scheduler, "--dask-scheduler")


def run(args: argparse.Namespace) -> int:
    return {"add": _add, "list": _list, "rm": _remove}[args.action](args)


def _add(args: argparse.Namespace) -> int:
    the_store = store()
    flow = the_store.get_flow(args.flow)
    if flow is None:
        raise UsageError(f"no published flow named '{args.flow}'; add it first with: dataflow flows add FILE")
    try:
        start = parse_time(args.start) if args.start else utc_now()
    except ValueError as bad:
        raise UsageError(f"--start: {bad}; expected 'YYYY-MM-DD HH:MM:SS' (UTC)") from bad
    scheduling = {
        "name": args.name or f"{flow.name} every {args.frequency_interval} {args.frequency_type}",
        "dataflowId": flow.id,
        "frequencyType": args.frequency_type,
        "frequencyInterval": None if args.frequency_type == "once" else args.frequency_interval,
        "nextJobStartTime": iso(start),
        "fullExtract": args.full_extract,
        "limit": args.limit,
        "logLevel": args.log_level,
        "enabled": not args.disabled,
        "successEmailNotification": args.success_email,
        "failureEmailNotification": args.failure_email,
    }
    problems = validate_scheduling(scheduling)
    if problems:
        raise UsageError("; ".join(problems))
    try:
        saved = the_store.add_scheduling(scheduling)
    except Exception as refused:
        raise UsageError(str(refused)) from refused
    print(f"scheduled '{saved['name']}' ({saved['id']}); next start {saved['nextJobStartTime']}")
    return 0


def _list(args: argparse.Namespace) -> int:
    schedulings = store().list_schedulings()
    if args.json:
        print(jsonio.dumps_pretty(schedulings))
        return 0
    for item in schedulings:
        every = (
            "once" if item["frequencyType"] == "once" else f"every {item['frequencyInterval']} {item['frequencyType']}"
        )
        state = "" if item.get("enabled", True) else " (disabled)"
        retry = f", retry {item['retryAttempt']} at {item['retryAt']}" if item.get("retryAt") else ""
        print(f"{item['id']}  {item['name']}: {every}, next {item['nextJobStartTime'] or '-'}{retry}{state}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    if not store().delete_scheduling(args.id):
        raise UsageError(f"no scheduling {args.id}")
    print(f"removed scheduling {args.id}")
    return 0


def scheduler(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        partitions = executor(args)
    except ValueError as problem:
        raise UsageError(str(problem)) from problem
    runner = Scheduler(job_service(executor=partitions), log=lambda line: print(f"{iso(utc_now())} {line}", flush=True))
    where = f"; partitions run on the {partitions.describe()}" if partitions is not None else ""
    print(f"{iso(utc_now())} scheduler started{where}", flush=True)
    try:
        runner.run_forever(stop, poll_seconds=args.poll_seconds)
    finally:
        if partitions is not None:
            partitions.close()
    print(f"{iso(utc_now())} scheduler stopped", flush=True)
    return 0
