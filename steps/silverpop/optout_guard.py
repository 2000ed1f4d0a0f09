"""The outbound sync never pushes a newsletter value older than an opt-out Silverpop reported since.

The race it closes: a person unsubscribes through a Silverpop mailing (an opt-out event at T1), and before the
inbound flow has brought that back to Gigya, the outbound flow sends the account again (another field changed)
with the newsletter still subscribed in Gigya since T0 < T1. Pushing that "Yes" would undo the newer choice.

So, when the flow hands the time Gigya last changed each newsletter (``newsletterChangedColumns``: the column
with ``subscriptions.<id>.email.lastUpdatedSubscriptionState``), the writer first exports the database's opt-out
events of the last ``optOutLookbackDays`` (RawRecipientDataExport, with the UID column), and every "Yes" whose
Gigya time is older than the contact's latest opt-out is sent as "No" instead. A value changed in Gigya after
the opt-out (the person subscribed again) is newer and is sent as it is. The inbound flow does the mirror image:
it applies an opt-out to a subscription only when the opt-out is newer than the subscription's last change.
The lookback bounds the export: an opt-out older than it has been brought back by the inbound flow long since
(run it at least that often).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from steps.silverpop.values import parse_moment

EVENT_FORMAT = "%m/%d/%Y %H:%M:%S"  # RawRecipientDataExport's Event Timestamp, GMT
DEFAULT_LOOKBACK_DAYS = 30


def event_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), EVENT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def latest_opt_outs(path: Path, uid_column: str) -> dict[str, datetime]:
    """UID -> the time of its latest opt-out, from a RawRecipientDataExport file."""
    latest: dict[str, datetime] = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            uid = (row.get(uid_column) or "").strip()
            when = event_time(row.get("Event Timestamp") or "")
            opt_out = row.get("Event Type", "").strip().lower() == "opt out"
            if uid and when is not None and opt_out and (uid not in latest or when > latest[uid]):
                latest[uid] = when
    return latest


def window_start(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


@dataclass
class Guard:
    """Applies the opt-outs to prepared rows: ``(newsletter column index, changed-time column index)`` pairs."""

    opt_outs: dict[str, datetime]
    uid_index: int
    pairs: list[tuple[int, int]]
    kept: int = 0  # values turned to "No" because Silverpop's opt-out was newer

    def apply(self, row: list[str]) -> None:
        opted_out = self.opt_outs.get(row[self.uid_index])
        if opted_out is None:
            return
        for value_at, changed_at in self.pairs:
            if row[value_at] != "Yes":
                continue
            changed = parse_moment(row[changed_at]) if row[changed_at] else None
            if changed is None or changed < opted_out:
                row[value_at] = "No"
                self.kept += 1
