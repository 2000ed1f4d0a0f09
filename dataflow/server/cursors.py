"""idx.search cursors: ``openCursor=true`` keeps the matching rows, ``cursorId`` pages through them.

A cursor is a snapshot (rows added later do not shift the pages) kept in the server's memory for a few minutes
after its last use. A page's ``nextCursorId`` can be sent again (a client retrying after a timeout gets the same
page). Each cursor belongs to the site that opened it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from dataflow.server.envelope import invalid

TTL_SECONDS = 300.0
CAPACITY = 256


@dataclass
class _Cursor:
    site: str
    rows: list[dict[str, Any]]
    batch: int
    used: float


class Cursors:
    def __init__(self, ttl: float = TTL_SECONDS, capacity: int = CAPACITY) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, site: str, rows: list[dict[str, Any]], batch: int) -> dict[str, Any]:
        token = secrets.token_hex(12)
        with self._lock:
            self._expire(time.monotonic())
            self._cursors[token] = _Cursor(site, rows, max(batch, 1), time.monotonic())
            while len(self._cursors) > self.capacity:
                self._cursors.popitem(last=False)
        return self._page(token, 0)

    def page(self, cursor_id: str, site: str) -> dict[str, Any]:
        token, _, offset_text = cursor_id.rpartition("-")
        with self._lock:
            self._expire(time.monotonic())
            cursor = self._cursors.get(token)
            if cursor is None or cursor.site != site or not offset_text.isdigit():
                raise invalid(f"cursorId {cursor_id!r} is unknown or has expired; search again with openCursor")
            cursor.used = time.monotonic()
            self._cursors.move_to_end(token)
        return self._page(token, int(offset_text))

    def _page(self, token: str, offset: int) -> dict[str, Any]:
        cursor = self._cursors[token]
        rows = cursor.rows[offset : offset + cursor.batch]
        result: dict[str, Any] = {"result": rows, "resultCount": len(rows), "totalCount": len(cursor.rows)}
        following = offset + cursor.batch
        if following < len(cursor.rows):
            result["nextCursorId"] = f"{token}-{following}"
        return result

    def _expire(self, now: float) -> None:
        stale = [token for token, cursor in self._cursors.items() if now - cursor.used > self.ttl]
        for token in stale:
            del self._cursors[token]
