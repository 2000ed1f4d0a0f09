"""``dataflow jobs [NAME]``, ``jobs show ID``, ``jobs kill ID``, ``jobs prune``: the job history."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dataflow import jsonio
from dataflow.cli.commands import UsageError
from dataflow.cli.context import store
from dataflow.clock import utc_now
from dataflow.retention import prune
from dataflow.runtime.home import dataflow_home
from dataflow.settings import load_settings

LIST_FIELDS = ("id", "dataflowId", "dataflowName", "status", "startTime", "endTime", "attemptNumber")


def add_parser(commands: argparse._SubParsersAction) -> None:
    jobs = commands.add_parser("jobs", help="list jobs, show one, kill one, prune old work directories")
    jobs.add_argument("target", nargs="*", metavar="NAME | show ID | kill ID | prune")
    jobs.add_argument("--json", action="store_true")
    jobs.add_argument("--limit", type=int, default=50, help="how many jobs to list (newest first)")


def run(args: argparse.Namespace) -> int:
    words = list(args.target)
    if words[:1] == ["show"] and len(words) == 2:
        return _show(words[1], args.json)
    if words[:1] == ["kill"] and len(words) == 2:
        return _kill(words[1])
    if words == ["prune"]:
        return _prune()
    if len(words) > 1:
        raise UsageError("expected: jobs [NAME] | jobs show ID | jobs kill ID | jobs prune")
    return _list(words[0] if words else None, args.json, args.limit)


def _list(name: str | None, as_json: bool, limit: int) -> int:
    jobs = store().list_jobs(name, limit=limit)
    if as_json:
        print(jsonio.dumps_pretty([{key: job.get(key) for key in LIST_FIELDS} for job in jobs]))
        return 0
    for job in jobs:
        print(
            f"{job['id']}  {job['status']:<9} {job['startTime']}  {job.get('endTime') or '':<24} "
            f"attempt {job['attemptNumber']}  {job['dataflowName']}"
        )
    return 0


def _show(job_id: str, as_json: bool) -> int:
    job = store().get_job(job_id)
    if job is None:
        raise UsageError(f"no job {job_id}")
    job.pop("owner", None)
    if as_json:
        print(jsonio.dumps_pretty(job))
        return 0
    print(f"job {job['id']}: {job['status']} (attempt {job['attemptNumber']})")
    print(f"dataflow: {job['dataflowName']} ({job['dataflowId']})")
    print(f"started {job['startTime']}, ended {job.get('endTime') or '-'}")
    if job.get("errorMessage"):
        print(f"reason: {job['errorMessage']}")
    for step, counts in (job.get("counters") or {}).items():
        print(f"  {step:<30} " + "  ".join(f"{key} {value}" for key, value in counts.items()))
    _errors_preview(job)
    for line in job.get("trace") or []:
        print(f"  | {line}")
    return 0


def _errors_preview(job: dict[str, Any], shown: int = 5) -> None:
    if not job.get("errorFile"):
        return
    path = Path(job["errorFile"])
    print(f"error file: {path}")
    if path.is_file():
        with path.open(encoding="utf-8") as handle:
            for _, line in zip(range(shown), handle, strict=False):
                print(f"  ! {line.rstrip()}")


def _kill(job_id: str) -> int:
    if not store().request_kill(job_id):
        raise UsageError(f"job {job_id} is not running")
    print(f"kill requested for job {job_id}; it stops at its next batch")
    return 0


def _prune() -> int:
    """Remove work directories (files, error files) of jobs older than the retention setting."""
    days = load_settings(dataflow_home()).retention_days
    removed = prune(store(), days, utc_now())
    print(f"removed the work directories of {removed} job(s) older than {days} days")
    return 0
