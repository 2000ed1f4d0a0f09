"""Rows of the SQL store (either dialect) turned into the documents the store hands out (flows, schedulings,
job statuses). A row is anything that gives columns by name: ``Mapping[str, Any]`` or psycopg's dict rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataflow import jsonio
from dataflow.store import StoredFlow

SCHEDULING_SERVER_FIELDS = ("apiKey", "retryAt", "retryAttempt", "createTime", "updateTime")


def flow(row: Mapping[str, Any]) -> StoredFlow:
    document = jsonio.loads(row["document"])
    return StoredFlow(
        row["id"], row["name"], row["status"], row["version"], document, row["created"], row["updated"], row["site"]
    )


def scheduling_content(scheduling: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in scheduling.items() if k not in SCHEDULING_SERVER_FIELDS}


def scheduling(row: Mapping[str, Any]) -> dict[str, Any]:
    document = jsonio.loads(row["document"])
    document.update(
        {
            "nextJobStartTime": row["next_job_start_time"],
            "retryAt": row["retry_at"],
            "retryAttempt": row["retry_attempt"],
            "apiKey": row["site"],
            "createTime": row["created"],
            "updateTime": row["updated"],
        }
    )
    return document


def job(row: Mapping[str, Any]) -> dict[str, Any]:
    document = jsonio.loads(row["document"]) if row["document"] else {}
    if row["progress"] and row["status"] == "running":
        document["counters"] = jsonio.loads(row["progress"])
    document.update(
        {
            "apiKey": row["site"],
            "updateTime": row["update_time"],
            "id": row["id"],
            "dataflowId": row["dataflow_id"],
            "dataflowName": row["dataflow_name"],
            "schedulingId": row["scheduling_id"],
            "status": row["status"],
            "startTime": row["start_time"],
            "endTime": row["end_time"],
            "attemptNumber": row["attempt_number"],
            "owner": row["owner"],
            "killRequested": bool(row["kill_requested"]),
            "workDir": row["work_dir"],
            "errorFile": row["error_file"],
        }
    )
    if "lease_expired" in row.keys():  # noqa: SIM118 - "in" on a sqlite3.Row looks at its values, not its names
        document["leaseExpired"] = bool(row["lease_expired"])
    return document


def search_flow(row: Mapping[str, Any]) -> dict[str, Any]:
    """A flow as idx.search returns it: the document with the fields the server manages."""
    return {
        "id": row["id"],
        **jsonio.loads(row["document"]),
        "status": row["status"],
        "version": row["version"],
        "apiKey": row["site"],
        "createTime": row["created"],
        "updateTime": row["updated"],
    }
