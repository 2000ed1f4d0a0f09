"""Sites (IdentitySync apiKeys) and their user keys in the SQLite store.

The secret is stored as given: a signed request (HMAC-SHA1) can only be checked by recomputing the signature
with it, so a one-way hash would lock out every SDK that signs. The database file is created readable by its
owner only, and no listing returns a secret.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from dataflow.clock import iso, utc_now
from dataflow.store import Site, StoreError


class SitesMixin:
    def _connection(self) -> sqlite3.Connection: ...  # provided by SQLiteStore
    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def add_site(self, api_key: str, name: str) -> Site:
        now = iso(utc_now())
        try:
            with self._transaction() as db:
                db.execute("INSERT INTO sites (api_key, name, created) VALUES (?,?,?)", (api_key, name, now))
        except sqlite3.IntegrityError as clash:
            raise StoreError(f"a site with apiKey '{api_key}' exists already") from clash
        return Site(api_key, name, now)

    def get_site(self, api_key: str) -> Site | None:
        row = self._connection().execute("SELECT * FROM sites WHERE api_key = ?", (api_key,)).fetchone()
        return self._site(row) if row else None

    def list_sites(self) -> list[Site]:
        rows = self._connection().execute("SELECT * FROM sites ORDER BY name, api_key").fetchall()
        return [self._site(row) for row in rows]

    def delete_site(self, api_key: str) -> bool:
        with self._transaction() as db:
            db.execute("DELETE FROM site_keys WHERE api_key = ?", (api_key,))
            return db.execute("DELETE FROM sites WHERE api_key = ?", (api_key,)).rowcount > 0

    def add_site_key(self, api_key: str, user_key: str, secret: str) -> None:
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM sites WHERE api_key = ?", (api_key,)).fetchone() is None:
                raise LookupError(f"no site with apiKey '{api_key}'")
            db.execute("DELETE FROM site_keys WHERE api_key = ? AND user_key = ?", (api_key, user_key))
            db.execute(
                "INSERT INTO site_keys (api_key, user_key, secret, created) VALUES (?,?,?,?)",
                (api_key, user_key, secret, iso(utc_now())),
            )

    def site_secret(self, api_key: str, user_key: str) -> str | None:
        row = (
            self._connection()
            .execute("SELECT secret FROM site_keys WHERE api_key = ? AND user_key = ?", (api_key, user_key))
            .fetchone()
        )
        return row["secret"] if row else None

    def _site(self, row: sqlite3.Row) -> Site:
        keys = self._connection().execute(
            "SELECT user_key FROM site_keys WHERE api_key = ? ORDER BY user_key", (row["api_key"],)
        )
        return Site(row["api_key"], row["name"], row["created"], tuple(_first_column(keys)))


def _first_column(rows: Any) -> Iterator[str]:
    for row in rows:
        yield row[0]
