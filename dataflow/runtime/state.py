"""What a connector remembers between jobs about the service it writes to, beside the flow's watermark.

Some facts about a destination cannot be asked of it cheaply, or at all: which rows a contact had in a
Silverpop relational table (the XML API cannot list one contact's rows), or that a table was already associated
with a database (JoinTable is a job, and nothing documented reports the association). A component records such
facts as JSON values under a *scope* it names (e.g. the table and the org it belongs to, so that every flow
writing that table shares them) and reads them back in the next job.

The state belongs to the destination, not to one job: a value is written as soon as the service holds the
fact, whether or not the job as a whole succeeds later. ``MemoryState`` keeps it for one process (tests, a
runner used on its own); ``StoreState`` keeps it in the state store under ``DATAFLOW_HOME``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class ConnectorState(Protocol):
    def get(self, scope: str, keys: Iterable[str]) -> dict[str, Any]:
        """The stored values of those ``keys`` that have one."""
        ...

    def put(self, scope: str, items: Mapping[str, Any]) -> None:
        """Store each value; ``None`` forgets the key."""
        ...


class StateBackend(Protocol):
    """What the state store offers (``dataflow.store.Store.get_state``/``put_state``)."""

    def get_state(self, scope: str, keys: list[str]) -> dict[str, Any]: ...
    def put_state(self, scope: str, items: dict[str, Any]) -> None: ...


class MemoryState:
    def __init__(self) -> None:
        self._values: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, scope: str, keys: Iterable[str]) -> dict[str, Any]:
        with self._lock:
            return {key: self._values[(scope, key)] for key in keys if (scope, key) in self._values}

    def put(self, scope: str, items: Mapping[str, Any]) -> None:
        with self._lock:
            for key, value in items.items():
                if value is None:
                    self._values.pop((scope, key), None)
                else:
                    self._values[(scope, key)] = value


class StoreState:
    """The state kept in the state store; reads and writes go in chunks so a full load stays one query each."""

    CHUNK = 500

    def __init__(self, backend: StateBackend) -> None:
        self.backend = backend

    def get(self, scope: str, keys: Iterable[str]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), self.CHUNK):
            found.update(self.backend.get_state(scope, wanted[start : start + self.CHUNK]))
        return found

    def put(self, scope: str, items: Mapping[str, Any]) -> None:
        if items:
            self.backend.put_state(scope, dict(items))
