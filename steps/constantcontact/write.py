"""``datasource.write.constantcontact``: records into contacts and the list ``listId``, through the JSON import.

Each record's fields are mapped to v3 import properties (``Email`` -> ``email``, ``Custom Field 1`` ->
``cf:custom_field_1``, other names to the custom field of that name). Up to ``recordsPerJob`` contacts (40,000 by
default, Constant Contact's limit) go as ``contacts_json_import`` activities into the list, each body under the
partner's other limit, 4 MB (so large contacts make more activities); each activity is polled until it completes
and the items it reports in ``activity_errors`` send their records down the error path. Records whose
``newsletterField`` is false are then taken off the list (``remove_list_memberships``).

The contacts are encoded to JSON with one call and sent as they are (``requests`` would encode them again with the
standard library); only a job too large for one body is encoded contact by contact to cut it into bodies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from dataflow import jsonio
from dataflow.component import Record
from dataflow.errors import FatalError
from steps.constantcontact.connection import ConstantContactStep, v3_name
from steps.rest.polling import wait_until
from steps.rest.values import as_text, opt_in, public_fields
from steps.rest.writer import BufferedWriter, Refusals

_LINE = re.compile(r"^Line (\d+):\s*(.*)$", re.DOTALL)
PAYLOAD_LIMIT = 4_000_000  # "must be less than 4 megabytes": the smaller reading, with room to spare


def chunks(sizes: list[int], room: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` runs of consecutive items whose sizes add up to less than ``room`` (an item that alone
    reaches ``room`` is a run of its own: callers keep those out)."""
    start, used = 0, 0
    for position, size in enumerate(sizes):
        if used and used + size >= room:
            yield start, position
            start, used = position, 0
        used += size
    if start < len(sizes):
        yield start, len(sizes)


class WriteConstantContact(ConstantContactStep, BufferedWriter):
    type: ClassVar[str] = "datasource.write.constantcontact"
    job_size_default: ClassVar[int] = 40_000

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
        for joined, sent in self._bodies(items, where, refused):
            refused.update(self._import(self._envelope(joined), sent))
        leaving = [i for i in opted_out if i not in refused]
        if leaving:
            self._remove(leaving, records)
        return refused

    def _bodies(
        self, items: list[dict[str, Any]], where: list[int], refused: Refusals
    ) -> list[tuple[bytes, list[int]]]:
        """The contacts as runs under 4 MB: ``(contacts encoded and joined with commas, their record indices)``.

        One encoding of them all usually fits; only when it does not is each contact encoded alone to cut the runs
        (and a contact too large for any body refused)."""
        if not items:
            return []
        room = PAYLOAD_LIMIT - len(self._envelope(b""))
        joined = jsonio.dumpb(items)[1:-1]
        if len(joined) < room:
            return [(joined, where)]
        encoded, kept = [], []
        for item, index in zip(items, where, strict=True):
            one = jsonio.dumpb(item)
            if len(one) + 1 >= room:
                refused[index] = (f"the contact takes more than Constant Contact's {PAYLOAD_LIMIT:,} bytes", {})
            else:
                encoded.append(one)
                kept.append(index)
        return [
            (b",".join(encoded[start:stop]), kept[start:stop])
            for start, stop in chunks([len(one) + 1 for one in encoded], room)
        ]

    def _envelope(self, items: bytes) -> bytes:
        """The import's JSON body around contacts already encoded and joined with commas."""
        return b'{"list_ids":' + jsonio.dumpb([self.list_id]) + b',"import_data":[' + items + b"]}"

    def _import(self, body: bytes, sent: list[int]) -> Refusals:
        """Run one import activity; ``Line N`` of its errors is the N-th contact of ``sent`` (record indices)."""
        refused: Refusals = {}
        status = self._run("contacts_json_import", data=body, headers={"Content-Type": "application/json"})
        for error in status.get("activity_errors") or []:
            message = str(error.get("message") if isinstance(error, dict) else error)
            found = _LINE.match(message)
            if found and 1 <= int(found.group(1)) <= len(sent):
                refused[sent[int(found.group(1)) - 1]] = (found.group(2), {"activityId": status["activity_id"]})
            else:
                self.context.warn(f"Constant Contact reported an error it did not tie to a contact: {message}")
        self.context.info(f"Constant Contact import {status['activity_id']}: {status.get('status')}")
        return refused

    def _remove(self, indices: list[int], records: list[Record]) -> None:
        ids = []
        for index in indices:
            email = self.item(records[index])[0]["email"]  # type: ignore[index]
            found = self.client.json("GET", "/contacts", params={"email": email, "status": "all"})
            ids.extend(contact["contact_id"] for contact in found.get("contacts") or [])
        if ids:
            self._run("remove_list_memberships", json={"source": {"contact_ids": ids}, "list_ids": [self.list_id]})
            self.context.info(f"{len(ids):,} opted-out contacts taken off list {self.list_id}")

    def _run(self, activity: str, **body: Any) -> dict[str, Any]:
        """Start an activity (``json=`` or ``data=`` its body) and wait for it to complete."""
        started = self.client.json("POST", f"/activities/{activity}", **body)
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
