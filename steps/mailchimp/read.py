"""``datasource.read.mailchimp``: the members of an audience as records (``status``, ``merge_fields.*``...).

Pages through ``GET /lists/{listId}/members`` (``pageSize`` members a call, 1000 at most). With ``delta`` only
members changed within the job's delta window are read (``since_last_changed``); ``status`` keeps one status.
Each record is Mailchimp's member object without its ``_links``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from dataflow.component import Reader, Record
from steps.mailchimp.connection import MailchimpStep


class ReadMailchimp(MailchimpStep, Reader):
    type: ClassVar[str] = "datasource.read.mailchimp"

    def read(self) -> Iterator[list[Record]]:
        job = self.context.job
        size = max(1, min(1000, int(self.params.get("pageSize") or 1000)))
        query: dict[str, str | int] = {"count": size}
        if self.params.get("status"):
            query["status"] = str(self.params["status"])
        if self.params.get("delta") and job.delta_since is not None:
            query["since_last_changed"] = job.delta_since.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        offset, total = 0, None
        while total is None or offset < total:
            page = self.client.json("GET", f"/lists/{self.list_id}/members", params={**query, "offset": offset})
            members = page.get("members") or []
            total = int(page.get("total_items") or 0)
            if not members:
                break
            offset += len(members)
            yield [{k: v for k, v in member.items() if k != "_links"} for member in members]
            if job.budget_exhausted:
                return
        self.context.info(f"read {offset:,} members of audience {self.list_id}")
