"""audit.search over the log of calls this sandbox has answered (gigya.md §4.8).

Every call, failed or not, becomes an audit row shaped like Gigya's, so a flow that reads deletions from the
audit log sees the ``accounts.deleteAccount`` calls a test made.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

from sandbox.gigya.auth import Principal
from sandbox.gigya.errors import invalid
from sandbox.gigya.params import Params
from sandbox.gigya.query import CompiledQuery
from sandbox.gigya.store import DocRow

if TYPE_CHECKING:
    from sandbox.gigya.site import Site

REDACTED = frozenset({"secret", "sig", "client_secret", "password", "newPassword", "privateKey"})


class AuditLog:
    def __init__(self, capacity: int) -> None:
        self.rows: deque[dict[str, Any]] = deque(maxlen=capacity)
        self.version = 0
        self._lock = threading.Lock()

    def append(self, row: dict[str, Any]) -> None:
        with self._lock:
            self.rows.append(row)
            self.version += 1

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.rows)


class AuditSource:
    def __init__(self, log: AuditLog) -> None:
        self.log = log
        self._rows = log.snapshot()
        self._version = log.version

    def handles(self) -> Sequence[int]:
        return list(range(len(self._rows)))

    def row(self, handle: int) -> DocRow:
        return DocRow(self._rows[handle])

    def document(self, handle: int) -> dict[str, Any] | None:
        return self._rows[handle]

    def cache_key(self) -> Hashable:
        return ("audit", self._version)


def audit_row(
    *, time_iso: str, call_id: str, endpoint: str, error_code: int, error_message: str, error_details: str,
    params: dict[str, str], user_key: str | None, source_ip: str, api_key: str,
) -> dict[str, Any]:  # fmt: skip
    row: dict[str, Any] = {
        "@timestamp": time_iso,
        "callID": call_id,
        "endpoint": endpoint,
        "errCode": str(error_code),
        "errMessage": error_message,
        "errDetails": error_details,
        "apikey": api_key,
        "sourceIP": source_ip,
        "params": {k: v for k, v in params.items() if k not in REDACTED},
        "httpReq": {"SDK": params.get("sdk", ""), "country": "US"},
    }
    if params.get("UID"):
        row["uid"] = params["UID"]
    if user_key:
        row["userKey"] = user_key
        row["userKeyDetails"] = {"name": "sandbox", "description": "dataflow sandbox key", "emailDomain": "example.com"}
    return row


def search(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    def resolve(compiled: CompiledQuery) -> AuditSource:
        if compiled.source.lower() != "auditlog":
            raise invalid(f"Invalid query: unknown source {compiled.source!r} (auditLog)")
        if not compiled.query.select_all or compiled.query.aggregates:
            raise invalid("Invalid query: audit.search only supports SELECT *")
        return AuditSource(site.audit)

    return site.search.search(params, resolve)


METHODS = {"audit.search": search}
