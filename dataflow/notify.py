"""E-mail on job success or failure, to the addresses a scheduling names.

The mail holds the job summary (status, times, counters, the failure message) and nothing else: no params,
no trace lines with data, and it passes through the job's redactor all the same.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

from dataflow.runtime.redaction import Redactor
from dataflow.settings import SmtpSettings


def recipients(scheduling: dict[str, Any] | None, status: str) -> list[str]:
    if not scheduling:
        return []
    key = "successEmailNotification" if status == "succeeded" else "failureEmailNotification"
    text = scheduling.get(key) or ""
    return [address.strip() for address in text.split(",") if address.strip()]


def summary(status: dict[str, Any]) -> str:
    lines = [
        f"Dataflow: {status.get('dataflowName')} ({status.get('dataflowId')})",
        f"Job: {status.get('id')} (attempt {status.get('attemptNumber')})",
        f"Status: {status.get('status')}",
        f"Started: {status.get('startTime')}   Ended: {status.get('endTime')}",
        f"Records read: {status.get('totalRecords', 0)}; failed into the error file: {status.get('failedRecords', 0)}",
    ]
    if status.get("errorMessage"):
        lines.append(f"Reason: {status['errorMessage']}")
    lines.append("")
    lines.append(f"{'step':<30} {'in':>10} {'out':>10} {'errors':>8} {'filtered':>9}")
    for step, counts in (status.get("counters") or {}).items():
        lines.append(
            f"{step[:30]:<30} {counts['in']:>10} {counts['out']:>10} {counts['errors']:>8} {counts['filtered']:>9}"
        )
    return "\n".join(lines) + "\n"


def send(smtp: SmtpSettings, to: list[str], status: dict[str, Any], redactor: Redactor | None = None) -> None:
    if not to or not smtp.host:
        return
    redactor = redactor or Redactor()
    redactor.add(smtp.password)
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(to)
    message["Subject"] = redactor.redact(f"[dataflow] {status.get('dataflowName')}: job {status.get('status')}")
    message.set_content(redactor.redact(summary(status)))
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username and smtp.password:
            client.login(smtp.username, smtp.password)
        client.send_message(message)
