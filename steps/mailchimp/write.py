"""``datasource.write.mailchimp``: records into an audience as members, through batch operations.

Each record becomes ``PUT /lists/{listId}/members/{hash}`` (add or update): ``emailField`` (``EMAIL``) is the
address; ``newsletterField`` names the record field holding the opt-in flag, sent as the member's ``status``
(subscribed / unsubscribed; a new member without a flag is added ``unsubscribed``, an existing one keeps its
status); every other field is a merge field by its tag (``FNAME``, ``UID``...). Up to ``recordsPerJob``
operations go as one batch; operations Mailchimp refuses (an invalid address, a merge field it will not take)
send their record down the error path with Mailchimp's detail.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dataflow import jsonio
from dataflow.component import Record
from steps.mailchimp.batches import refusal, run_batch
from steps.mailchimp.connection import MailchimpStep, subscriber_hash
from steps.rest.values import opt_in, public_fields
from steps.rest.writer import BufferedWriter, Refusals


class WriteMailchimp(MailchimpStep, BufferedWriter):
    type: ClassVar[str] = "datasource.write.mailchimp"
    job_size_default: ClassVar[int] = 500

    def member(self, record: Record) -> tuple[str, dict[str, Any]] | str:
        """``(address, body)`` of the member, or the reason the record cannot be one."""
        email_field = str(self.params.get("emailField") or "EMAIL")
        flag_field = self.params.get("newsletterField")
        fields = public_fields(record)
        email = fields.pop(email_field, None) or fields.pop("email_address", None)
        if not isinstance(email, str) or not email.strip():
            return f"the record has no {email_field} (the member's address)"
        body: dict[str, Any] = {"email_address": email.strip()}
        if flag_field:
            flag = opt_in(fields.pop(str(flag_field), None))
            if flag is not None:
                body["status"] = "subscribed" if flag else "unsubscribed"
        body["status_if_new"] = body.get("status", "unsubscribed")
        merge = {}
        for name, value in fields.items():
            merge[name.upper()] = "" if value is None else jsonio.dumps(value) if isinstance(value, list) else value
        if merge:
            body["merge_fields"] = merge
        return email.strip(), body

    def send(self, records: list[Record]) -> Refusals:
        refused: Refusals = {}
        operations = []
        for index, record in enumerate(records):
            member = self.member(record)
            if isinstance(member, str):
                refused[index] = (member, {})
                continue
            email, body = member
            operations.append(
                {
                    "method": "PUT",
                    "path": f"/lists/{self.list_id}/members/{subscriber_hash(email)}",
                    "body": jsonio.dumps(body),
                    "operation_id": str(index),
                }
            )
        if not operations:
            return refused
        results = run_batch(
            self.client,
            operations,
            poll=float(self.params.get("batchPollSeconds", 2.0)),
            timeout=float(self.params.get("batchTimeoutSeconds", 3600)),
            cancel=self.context.job.cancel_event,
        )
        failed = 0
        for operation in operations:
            result = results.get(operation["operation_id"])
            index = int(operation["operation_id"])
            if result is None:
                refused[index] = ("Mailchimp gave no answer for this operation", {})
            elif int(result.get("status_code") or 0) >= 300:
                refused[index] = (refusal(result), {"statusCode": result.get("status_code")})
            else:
                continue
            failed += 1
        self.context.info(f"Mailchimp batch: {len(operations):,} members sent, {failed:,} refused")
        return refused
