"""``datasource.write.constantcontact``: records into contacts and the list ``listId``, through the JSON import.

Each record's fields are mapped to v3 import properties (``Email`` -> ``email``, ``Custom Field 1`` ->
``cf:custom_field_1``, other names to the custom field of that name). Up to ``recordsPerJob`` contacts go as one
``contacts_json_import`` activity into the list; the activity is polled until it completes and the items it
reports in ``activity_errors`` send their records down the error path. Records whose ``newsletterField`` is false
are then taken off the list (``remove_list_memberships``).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from dataflow.component import Record
from dataflow.errors import FatalError
from steps.constantcontact.connection import ConstantContactStep, v3_name
from steps.rest.polling import wait_until
from steps.rest.values import as_text, opt_in, public_fields
from steps.rest.writer import BufferedWriter, Refusals

_LINE = re.compile(r"^Line (\d+):\s*(.*)$", re.DOTALL)


class WriteConstantContact(ConstantContactStep, BufferedWriter):
    type: ClassVar[str] = "datasource.write.constantcontact"
    job_size_default: ClassVar[int] = 5000

    def item(self, record: Record) -> tuple[dict[str, Any], bool | None] | str:
        fields = public_fields(record)
        flag_field = str(self.params.get("newsletterField") or "newsletterField")
        flag = opt_in(fields.pop(flag_field, None))
        item = {v3_name(name): as_text(value) for name, value in fields.items()}
        if not item.get("email"):
            return "the record has no Email (the contact's address)"
        return item, flag

    def send(self, records: list[Record]) -> Refusals:
        refused: Refusals = {}
        items: list[dict[str, Any]] = []
        where: list[int] = []
        opted_out: list[int] = []
        for index, record in enumerate(records):
            made = self.item(record)
            if isinstance(made, str):
                refused[index] = (made, {})
                continue
            items.append(made[0])
            where.append(index)
            if made[1] is False:
                opted_out.append(index)
        if not items:
            return refused
        status = self._run("contacts_json_import", {"import_data": items, "list_ids": [self.list_id]})
        for error in status.get("activity_errors") or []:
            message = str(error.get("message") if isinstance(error, dict) else error)
            found = _LINE.match(message)
            if found and 1 <= int(found.group(1)) <= len(where):
                refused[where[int(found.group(1)) - 1]] = (found.group(2), {"activityId": status["activity_id"]})
            else:
                self.context.warn(f"Constant Contact reported an error it did not tie to a contact: {message}")
        self.context.info(f"Constant Contact import {status['activity_id']}: {status.get('status')}")
        leaving = [i for i in opted_out if i not in refused]
        if leaving:
            self._remove(leaving, records)
        return refused

    def _remove(self, indices: list[int], records: list[Record]) -> None:
        ids = []
        for index in indices:
            email = self.item(records[index])[0]["email"]  # type: ignore[index]
            found = self.client.json("GET", "/contacts", params={"email": email, "status": "all"})
            ids.extend(contact["contact_id"] for contact in found.get("contacts") or [])
        if ids:
            self._run("remove_list_memberships", {"source": {"contact_ids": ids}, "list_ids": [self.list_id]})
            self.context.info(f"{len(ids):,} opted-out contacts taken off list {self.list_id}")

    def _run(self, activity: str, body: dict[str, Any]) -> dict[str, Any]:
        started = self.client.json("POST", f"/activities/{activity}", json=body)
        activity_id = started["activity_id"]
        status = wait_until(
            lambda: self.client.json("GET", f"/activities/{activity_id}"),
            lambda answer: answer.get("state") in ("completed", "failed", "cancelled", "timed_out"),
            poll=float(self.params.get("activityPollSeconds", 2.0)),
            timeout=float(self.params.get("activityTimeoutSeconds", 7200)),
            what=f"Constant Contact activity {activity_id}",
            cancel=self.context.job.cancel_event,
        )
        if status["state"] != "completed":
            raise FatalError(f"Constant Contact activity {activity_id} ended {status['state']}")
        return status
