"""The state store on a PostgreSQL server, shared by schedulers and servers on any number of hosts.

``DATAFLOW_STORE=postgresql://user:password@host:5432/dbname`` (or ``store:`` in ``$DATAFLOW_HOME/config.yaml``).
The queries are the shared SQL store's (``sql.py``); the dialect brings the connection pool, row locks that
other processes skip (``FOR UPDATE SKIP LOCKED``) and the server's clock for job leases (``dialects.py``).
"""

from __future__ import annotations

from dataflow.store.dialects import PostgresDialect
from dataflow.store.sql import SQLStore


class PostgresStore(SQLStore):
    def __init__(self, url: str, max_connections: int = 10) -> None:
        self.url = url
        super().__init__(PostgresDialect(url, max_connections))
