"""Mailchimp batch operations: submit many calls as one job, wait for it, read every operation's answer.

``POST /batches`` takes the operations; ``GET /batches/{id}`` reports ``pending``/``started``/``finished``; the
answers are a gzipped tar of JSON arrays of ``{status_code, operation_id, response}`` at ``response_body_url``
(a pre-signed link: fetched without the API key).
"""

from __future__ import annotations

import io
import tarfile
import threading
from typing import Any

import requests

from dataflow import jsonio
from dataflow.errors import FatalError
from steps.rest.client import RestClient
from steps.rest.polling import wait_until


def run_batch(
    client: RestClient,
    operations: list[dict[str, Any]],
    *,
    poll: float,
    timeout: float,
    cancel: threading.Event | None,
) -> dict[str, dict[str, Any]]:
    """The answers of every operation, by ``operation_id``."""
    started = client.json("POST", "/batches", json={"operations": operations})
    batch_id = started["id"]
    status = started
    if status.get("status") != "finished":
        status = wait_until(
            lambda: client.json("GET", f"/batches/{batch_id}"),
            lambda answer: answer.get("status") == "finished",
            poll=poll,
            timeout=timeout,
            what=f"Mailchimp batch {batch_id}",
            cancel=cancel,
        )
    return read_results(client, str(status.get("response_body_url") or ""), batch_id)


def read_results(client: RestClient, url: str, batch_id: str) -> dict[str, dict[str, Any]]:
    if not url:
        raise FatalError(f"Mailchimp batch {batch_id} finished without a response_body_url")
    try:
        # The client's session sends no credentials of its own (they go with each API call), so the pre-signed
        # link is fetched without the API key, on a connection kept from the previous batch's results.
        response = client.session.get(url, timeout=client.timeout)
        response.raise_for_status()
    except requests.RequestException as problem:
        raise FatalError(f"cannot fetch the results of Mailchimp batch {batch_id}: {type(problem).__name__}") from None
    results: dict[str, dict[str, Any]] = {}
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile() or not member.name.endswith(".json"):
                continue
            handle = archive.extractfile(member)
            for item in jsonio.loads(handle.read()) if handle is not None else []:
                results[str(item.get("operation_id"))] = item
    return results


def refusal(result: dict[str, Any]) -> str:
    """Mailchimp's reason for one failed operation: its detail, and the fields it named."""
    try:
        body = jsonio.loads(result.get("response") or "{}")
    except ValueError:
        body = {}
    detail = body.get("detail") or body.get("title") or f"HTTP {result.get('status_code')}"
    fields = [f"{e.get('field')}: {e.get('message')}" for e in body.get("errors") or [] if isinstance(e, dict)]
    return f"{detail} ({'; '.join(fields)})" if fields else str(detail)
