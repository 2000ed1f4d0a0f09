"""What differs between the databases the state store runs on; everything else is one SQL store (``sql.py``).

Queries are written once, with ``?`` placeholders and the SQL that SQLite and PostgreSQL share (``ON CONFLICT``
upserts, partial unique indexes, ``RETURNING``-free updates). A dialect supplies the rest:

- connections: one per thread for SQLite (a file), a pool for PostgreSQL (a server shared by many processes);
- transactions: ``BEGIN IMMEDIATE`` takes SQLite's one write lock at once; PostgreSQL locks rows as it goes;
- row locks: ``FOR UPDATE`` (``lock_wait``) and ``FOR UPDATE SKIP LOCKED`` (``lock_skip``: several schedulers
  claim different rows without waiting on each other) on PostgreSQL; nothing on SQLite, whose write transaction
  already excludes every other writer;
- ``now``: the database's clock in epoch seconds, so leases are judged by one clock however many hosts share
  the store;
- where the schema version is kept (``PRAGMA user_version`` / a one-row table).
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What the SQL store asks of a connection: run one statement (``?`` placeholders), rows by column name."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...


class Dialect(Protocol):
    integrity_error: tuple[type[Exception], ...]
    lock_wait: str
    lock_skip: str
    now: str
    shared: bool  # several hosts may use this store: liveness is judged by leases alone
    location: str  # the file or URL, for another process to open the same store

    def transaction(self) -> Any: ...  # context manager yielding a Connection, committed at the end
    def read(self) -> Any: ...  # context manager yielding a Connection for reads outside a transaction
    def schema_version(self, db: Connection) -> int: ...
    def set_schema_version(self, db: Connection, version: int) -> None: ...
    def lock_schema(self, db: Connection) -> None: ...
    def describe(self) -> str: ...
    def close(self) -> None: ...


class SQLiteDialect:
    """One file, WAL mode, one connection per thread; safe for several processes on one machine."""

    integrity_error: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
    lock_wait = lock_skip = ""
    now = "((julianday('now') - 2440587.5) * 86400.0)"
    shared = False

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():  # it holds the sites' secrets: readable by its owner only (SQLite's -wal follows)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        self.path = path
        self.location = str(path)
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            self._local.connection = connection
        return connection

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        connection = self._connection()
        if connection.in_transaction:  # a read inside a claim: it is already this thread's transaction
            yield connection
            return
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        yield self._connection()

    def schema_version(self, db: Connection) -> int:
        return int(db.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, db: Connection, version: int) -> None:
        db.execute(f"PRAGMA user_version = {int(version)}")

    def lock_schema(self, db: Connection) -> None:
        """BEGIN IMMEDIATE already excludes every other writer."""

    def describe(self) -> str:
        return str(self.path)

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


@lru_cache(maxsize=512)
def pyformat(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (a literal ``%`` doubled); our SQL has no ``?`` inside strings."""
    return re.sub(r"\?", "%s", sql.replace("%", "%%"))


class _PostgresConnection:
    """A psycopg connection that takes the store's ``?`` placeholders."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self._connection.execute(pyformat(sql), tuple(params) if params else None)


class PostgresDialect:
    """A PostgreSQL server shared by schedulers and servers on any number of hosts, through a connection pool.

    psycopg 3 with ``psycopg_pool``: the maintained PostgreSQL driver for Python, with server-side parameter
    binding, a thread-safe pool that checks connections before handing them out, and typed errors
    (``UniqueViolation``) for the one constraint the store relies on.
    """

    lock_wait = " FOR UPDATE"
    lock_skip = " FOR UPDATE SKIP LOCKED"
    now = "extract(epoch from clock_timestamp())::double precision"
    shared = True
    _SCHEMA_LOCK = 7_245_001  # pg_advisory_xact_lock key: one migrator at a time

    def __init__(self, url: str, max_connections: int = 10) -> None:
        try:
            import psycopg
            from psycopg.rows import dict_row
            from psycopg_pool import ConnectionPool
        except ImportError as missing:
            raise ImportError(
                "a PostgreSQL state store needs psycopg: pip install 'identitysync-dataflow[postgresql]'"
            ) from missing
        self.url = self.location = url
        self.integrity_error = (psycopg.IntegrityError,)
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True, "row_factory": dict_row},
            open=True,
            name="dataflow-store",
        )
        self._local = threading.local()
        # Commands open a store and exit: close the pool at exit (or when the store goes), never in its own threads.
        weakref.finalize(self, self._pool.close)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        current = getattr(self._local, "transaction", None)
        if current is not None:  # nested: the outer transaction's connection
            yield current
            return
        with self._pool.connection() as connection, connection.transaction():
            wrapped = _PostgresConnection(connection)
            self._local.transaction = wrapped
            try:
                yield wrapped
            finally:
                self._local.transaction = None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        current = getattr(self._local, "transaction", None)
        if current is not None:
            yield current
            return
        with self._pool.connection() as connection:
            yield _PostgresConnection(connection)

    def schema_version(self, db: Connection) -> int:
        db.execute("CREATE TABLE IF NOT EXISTS dataflow_schema (version INTEGER NOT NULL)")
        row = db.execute("SELECT version FROM dataflow_schema").fetchone()
        return int(row["version"]) if row else 0

    def set_schema_version(self, db: Connection, version: int) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS dataflow_schema (version INTEGER NOT NULL)")
        if db.execute("UPDATE dataflow_schema SET version = ?", (version,)).rowcount == 0:
            db.execute("INSERT INTO dataflow_schema (version) VALUES (?)", (version,))

    def lock_schema(self, db: Connection) -> None:
        """Processes starting together migrate one after the other, inside their transactions."""
        db.execute("SELECT pg_advisory_xact_lock(?)", (self._SCHEMA_LOCK,))

    def describe(self) -> str:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(self.url)
        parts.pop("password", None)
        where = parts.get("host") or "localhost"
        return f"postgresql {parts.get('user', '')}@{where}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"

    def close(self) -> None:
        self._pool.close()
