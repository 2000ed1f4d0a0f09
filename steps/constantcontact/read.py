"""``datasource.read.constantcontact``: the contacts of the list ``listId`` as records, named as v2 columns.

Pages through ``GET /contacts?lists=…`` (500 a page, following ``_links.next``). Each record has ``Email``,
``FirstName``, ``LastName``, every custom field (``custom_field_1`` as ``CustomField1``, as the public inbound
template expects), ``contact_id``, ``updated_at`` and ``newsletterField``: true while the contact is on the list
and has not unsubscribed. With ``delta`` only contacts updated within the job's delta window are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dataflow.component import Reader, Record
from steps.constantcontact.connection import ConstantContactStep, v2_name


class ReadConstantContact(ConstantContactStep, Reader):
    type: ClassVar[str] = "datasource.read.constantcontact"

    def read(self) -> Iterator[list[Record]]:
        job = self.context.job
        names = {
            f["custom_field_id"]: v2_name(f["name"])
            for f in self.client.json("GET", "/contact_custom_fields").get("custom_fields") or []
        }
        query: dict[str, Any] = {
            "lists": self.list_id,
            "status": "all",
            "limit": 500,
            "include": "custom_fields,list_memberships",
        }
        if self.params.get("delta") and job.delta_since is not None:
            query["updated_after"] = job.delta_since.strftime("%Y-%m-%dT%H:%M:%SZ")
        url: str | None = "/contacts"
        total = 0
        while url:
            page = self.client.json("GET", url, params=query if url == "/contacts" else None)
            batch = [self.record(contact, names) for contact in page.get("contacts") or []]
            if batch:
                total += len(batch)
                yield batch
            if job.budget_exhausted:
                return
            href = ((page.get("_links") or {}).get("next") or {}).get("href")
            url = self.next_url(href) if href else None
        self.context.info(f"read {total:,} contacts of list {self.list_id}")

    def record(self, contact: dict[str, Any], names: dict[str, str]) -> Record:
        email = contact.get("email_address") or {}
        record: Record = {
            "Email": email.get("address"),
            "FirstName": contact.get("first_name"),
            "LastName": contact.get("last_name"),
        }
        for field in contact.get("custom_fields") or []:
            record[names.get(field.get("custom_field_id"), field.get("custom_field_id"))] = field.get("value")
        record["contact_id"] = contact.get("contact_id")
        record["updated_at"] = contact.get("updated_at")
        record["newsletterField"] = email.get("permission_to_send") != "unsubscribed" and self.list_id in (
            contact.get("list_memberships") or []
        )
        return record
