"""``datasource.write.campaignmonitor``: records into a list's subscribers through imports.

Each record is a subscriber: ``EmailAddress``, ``Name`` and every other field a custom field by its key
(``GigyaUID``). ``newsletterField`` names the record field holding the opt-in flag: subscribers who opted in are
imported with ``Resubscribe`` (an earlier unsubscribe is undone), the rest without it; those who opted out are
then unsubscribed (an import cannot unsubscribe). Imports take 1,000 subscribers at most
(``recordsPerJob``). Subscribers Campaign Monitor refuses go down the error path with its code and message.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dataflow.component import Record
from steps.campaignmonitor.connection import CampaignMonitorStep
from steps.rest.errors import PartnerError
from steps.rest.values import as_text, opt_in, public_fields
from steps.rest.writer import BufferedWriter, Refusals

IMPORT_LIMIT = 1000


class WriteCampaignMonitor(CampaignMonitorStep, BufferedWriter):
    type: ClassVar[str] = "datasource.write.campaignmonitor"
    job_size_default: ClassVar[int] = IMPORT_LIMIT

    @property
    def job_size(self) -> int:
        return min(IMPORT_LIMIT, super().job_size)

    def subscriber(self, record: Record) -> tuple[dict[str, Any], bool | None] | str:
        fields = public_fields(record)
        email_field = str(self.params.get("emailField") or "EmailAddress")
        email = fields.pop(email_field, None)
        if not isinstance(email, str) or not email.strip():
            return f"the record has no {email_field} (the subscriber's address)"
        flag = (
            opt_in(fields.pop(str(self.params["newsletterField"]), None))
            if self.params.get("newsletterField")
            else None
        )
        name = fields.pop(str(self.params.get("nameField") or "Name"), None)
        subscriber: dict[str, Any] = {
            "EmailAddress": email.strip(),
            "Name": as_text(name),
            "CustomFields": [{"Key": key, "Value": as_text(value)} for key, value in fields.items()],
            "ConsentToTrack": str(self.params.get("consentToTrack") or "Unchanged"),
        }
        return subscriber, flag

    def send(self, records: list[Record]) -> Refusals:
        refused: Refusals = {}
        groups: dict[bool, list[tuple[int, dict[str, Any]]]] = {True: [], False: []}
        opted_out: list[tuple[int, str]] = []
        for index, record in enumerate(records):
            made = self.subscriber(record)
            if isinstance(made, str):
                refused[index] = (made, {})
                continue
            subscriber, flag = made
            groups[flag is True].append((index, subscriber))
            if flag is False:
                opted_out.append((index, subscriber["EmailAddress"]))
        for resubscribe, members in groups.items():
            if members:
                refused.update(self._import(members, resubscribe))
        for index, email in opted_out:
            if index in refused:
                continue
            try:
                self.client.request(
                    "POST", f"/subscribers/{self.list_id}/unsubscribe.json", json={"EmailAddress": email}
                )
            except PartnerError as problem:
                refused[index] = (f"unsubscribe refused: {problem.message}", {"status": problem.status})
        return refused

    def _import(self, members: list[tuple[int, dict[str, Any]]], resubscribe: bool) -> Refusals:
        body = {
            "Subscribers": [subscriber for _, subscriber in members],
            "Resubscribe": resubscribe,
            "QueueSubscriptionBasedAutoResponders": False,
            "RestartSubscriptionBasedAutoresponders": False,
        }
        try:
            result = self.client.json("POST", f"/subscribers/{self.list_id}/import.json", json=body)
        except PartnerError as problem:
            data = problem.body.get("ResultData") if isinstance(problem.body, dict) else None
            if not isinstance(data, dict):
                raise
            result = data
        by_email: dict[str, list[int]] = {}
        for index, subscriber in members:
            by_email.setdefault(subscriber["EmailAddress"].lower(), []).append(index)
        refused: Refusals = {}
        for failure in result.get("FailureDetails") or []:
            for index in by_email.get(str(failure.get("EmailAddress") or "").strip().lower(), []):
                refused[index] = (str(failure.get("Message") or "refused"), {"code": failure.get("Code")})
        self.context.info(
            f"Campaign Monitor import: {result.get('TotalNewSubscribers', 0):,} new, "
            f"{result.get('TotalExistingSubscribers', 0):,} existing, {len(refused):,} refused"
        )
        return refused
