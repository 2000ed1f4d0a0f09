"""Job work directories (files, error files, status) are kept for ``retention.days``, then removed."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

from dataflow.clock import iso
from dataflow.store import Store


def prune(store: Store, days: int, now: datetime) -> int:
    """Remove the work directories of finished jobs that started more than ``days`` ago; returns how many."""
    removed = 0
    for job in store.old_jobs(iso(now - timedelta(days=days))):
        shutil.rmtree(job["workDir"], ignore_errors=True)
        store.forget_work_dir(job["id"])
        removed += 1
    return removed
