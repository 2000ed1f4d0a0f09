"""Sites (IdentitySync apiKeys) and their user keys in the SQL store.

The secret is stored as given: a signed request (HMAC-SHA1) can only be checked by recomputing the signature
with it, so a one-way hash would lock out every SDK that signs. The database file is created readable by its
owner only (on PostgreSQL: grant the store's role to nobody else), and no listing returns a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataflow.clock import iso, utc_now
from dataflow.store import Site, StoreError
from dataflow.store.dialects import Dialect


class SitesMixin:
    dialect: Dialect  # provided by SQLStore

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]: ...
    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any: ...

    def add_site(self, api_key: str, name: str) -> Site:
        now = iso(utc_now())
        try:
            with self.dialect.transaction() as db:
                db.execute("INSERT INTO sites (api_key, name, created) VALUES (?,?,?)", (api_key, name, now))
        except self.dialect.integrity_error as clash:
            raise StoreError(f"a site with apiKey '{api_key}' exists already") from clash
        return Site(api_key, name, now)

    def get_site(self, api_key: str) -> Site | None:
        row = self._one("SELECT * FROM sites WHERE api_key = ?", (api_key,))
        return self._site(row) if row else None

    def list_sites(self) -> list[Site]:
        return [self._site(row) for row in self._all("SELECT * FROM sites ORDER BY name, api_key")]

    def delete_site(self, api_key: str) -> bool:
        with self.dialect.transaction() as db:
            db.execute("DELETE FROM site_keys WHERE api_key = ?", (api_key,))
            return db.execute("DELETE FROM sites WHERE api_key = ?", (api_key,)).rowcount > 0

    def add_site_key(self, api_key: str, user_key: str, secret: str) -> None:
        with self.dialect.transaction() as db:
            if db.execute("SELECT 1 FROM sites WHERE api_key = ?", (api_key,)).fetchone() is None:
                raise LookupError(f"no site with apiKey '{api_key}'")
            db.execute("DELETE FROM site_keys WHERE api_key = ? AND user_key = ?", (api_key, user_key))
            db.execute(
                "INSERT INTO site_keys (api_key, user_key, secret, created) VALUES (?,?,?,?)",
                (api_key, user_key, secret, iso(utc_now())),
            )

    def site_secret(self, api_key: str, user_key: str) -> str | None:
        row = self._one("SELECT secret FROM site_keys WHERE api_key = ? AND user_key = ?", (api_key, user_key))
        return row["secret"] if row else None

    def _site(self, row: Mapping[str, Any]) -> Site:
        keys = self._all("SELECT user_key FROM site_keys WHERE api_key = ? ORDER BY user_key", (row["api_key"],))
        return Site(row["api_key"], row["name"], row["created"], tuple(key["user_key"] for key in keys))
