"""IdentitySync's scheduling object: frequencies, the next start time, and the first-run delta window.

Times are UTC. A recurring schedule steps from its previous slot (not from "now"), so it does not drift; when
slots were missed (the scheduler was down, a run overran) they are coalesced into one run.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any

FREQUENCY_TYPES = ("once", "minute", "hour", "day", "week", "month")
_FIXED = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
ONCE_WINDOW = timedelta(hours=24)


def parse_time(text: str) -> datetime:
    """``yyyy-MM-dd HH:mm:ss`` (IdentitySync's form, UTC) or ISO-8601; naive times are UTC."""
    moment = datetime.fromisoformat(text.strip().replace(" ", "T", 1) if "T" not in text else text.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def shift(moment: datetime, frequency_type: str, interval: int, periods: int = 1) -> datetime:
    """``moment`` moved by ``periods`` × (interval × frequency); months are calendar months (day clamped)."""
    if frequency_type == "month":
        months = moment.month - 1 + interval * periods
        year, month = moment.year + months // 12, months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)
    return moment + _FIXED[frequency_type] * interval * periods


def next_slot(previous: datetime, now: datetime, frequency_type: str, interval: int) -> datetime | None:
    """The first slot after ``now`` on the grid that starts at ``previous``; None for a one-time schedule."""
    if frequency_type == "once":
        return None
    if frequency_type != "month":
        step = _FIXED[frequency_type] * interval
        missed = max(0, (now - previous) // step)
        candidate = previous + step * missed
    else:
        candidate = previous
    while candidate <= now:
        candidate = shift(candidate, frequency_type, interval)
    return candidate


def first_run_delta_start(now: datetime, frequency_type: str | None, interval: int | None) -> datetime:
    """Where a delta read starts when a flow has no watermark: once (or by hand) → 24 h back, else one period."""
    if frequency_type in (None, "once"):
        return now - ONCE_WINDOW
    return shift(now, frequency_type, interval or 1, periods=-1)


def validate_scheduling(document: dict[str, Any]) -> list[str]:
    """Problems with a scheduling object, in words an operator can act on."""
    problems = []
    frequency = document.get("frequencyType")
    if frequency not in FREQUENCY_TYPES:
        problems.append(f"frequencyType must be one of {', '.join(FREQUENCY_TYPES)}")
    interval = document.get("frequencyInterval")
    if frequency not in (None, "once") and (not isinstance(interval, int) or interval < 1):
        problems.append("frequencyInterval must be a whole number of at least 1")
    limit = document.get("limit")
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        problems.append("limit must be 0 or more")
    if document.get("logLevel", "info") not in ("info", "error", "debug"):
        problems.append("logLevel must be info, error or debug")
    return problems
