"""``datasource.read.campaignmonitor``: a list's subscribers in one state as records.

Pages through ``GET /lists/{listId}/{status}.json`` (active, unsubscribed, bounced, deleted or unconfirmed).
Each record has ``EmailAddress``, ``Name``, ``Date``, ``State`` and every custom field at the top level by its
key (``GigyaUID``); ``targetField`` receives the state in lower case (``unsubscribed``), which is how the public
inbound template tells opt-outs apart. With ``delta`` only subscribers whose state changed since the start of the
job's delta window are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dataflow.component import Reader, Record
from dataflow.fieldpath import compile_setter
from steps.campaignmonitor.connection import CampaignMonitorStep


class ReadCampaignMonitor(CampaignMonitorStep, Reader):
    type: ClassVar[str] = "datasource.read.campaignmonitor"

    def read(self) -> Iterator[list[Record]]:
        job = self.context.job
        status = str(self.params.get("status") or "active").lower()
        since = "1900-01-01"
        if self.params.get("delta") and job.delta_since is not None:
            since = job.delta_since.strftime("%Y-%m-%d %H:%M")
        setter = compile_setter(str(self.params["targetField"])) if self.params.get("targetField") else None
        size = max(10, min(1000, int(self.params.get("pageSize") or 1000)))
        page, pages, total = 1, 1, 0
        while page <= pages:
            answer = self.client.json(
                "GET",
                f"/lists/{self.list_id}/{status}.json",
                params={"date": since, "page": page, "pagesize": size, "orderfield": "date", "orderdirection": "asc"},
            )
            pages = int(answer.get("NumberOfPages") or 0)
            batch = [self.record(item, setter) for item in answer.get("Results") or []]
            if not batch:
                break
            total += len(batch)
            yield batch
            if job.budget_exhausted:
                return
            page += 1
        self.context.info(f"read {total:,} {status} subscribers of list {self.list_id}")

    @staticmethod
    def record(item: dict[str, Any], setter: Any) -> Record:
        record: Record = {key: value for key, value in item.items() if key != "CustomFields"}
        for field in item.get("CustomFields") or []:
            record[str(field.get("Key", "")).strip("[]")] = field.get("Value")
        if setter is not None:
            setter(record, str(item.get("State") or "").lower())
        return record
