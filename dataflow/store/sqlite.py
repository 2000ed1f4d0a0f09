"""The embedded state store: one SQLite file under ``DATAFLOW_HOME``, safe for several processes on one machine.

The queries are the shared SQL store's (``sql.py``); only the dialect is SQLite's (``dialects.py``).
"""

from __future__ import annotations

from pathlib import Path

from dataflow.store.dialects import SQLiteDialect
from dataflow.store.sql import SQLStore


class SQLiteStore(SQLStore):
    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(SQLiteDialect(path))
