"""Admin and inspection API of a running sandbox, for tests (no auth, no faults, no HTTP).

Tests assert on the org's state directly (the contacts of a database, the rows of a table, the jobs) and steer
what would otherwise need waiting: advance or step jobs, expire tokens, park requests to hit the concurrency
cap. Every read advances due jobs first so that it sees what GetJobStatus would.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sandbox.silverpop.model import Contact, Database, Table

if TYPE_CHECKING:
    from sandbox.silverpop.clock import Clock
    from sandbox.silverpop.faults import FaultInjector
    from sandbox.silverpop.oauth import TokenStore
    from sandbox.silverpop.store import Store


def contact_view(contact: Contact) -> dict[str, Any]:
    return {
        "recipientId": contact.recipient_id,
        "fields": dict(contact.fields),
        "optedOut": contact.opted_out is not None,
        "optedIn": contact.opted_in,
        "optedOutAt": contact.opted_out,
        "created": contact.created,
        "modified": contact.modified,
        "createdFrom": contact.created_from,
        "contactLists": sorted(contact.contact_lists),
    }


class AdminMixin:
    store: Store
    tokens: TokenStore
    faults: FaultInjector
    clock: Clock

    @property
    def lists(self) -> dict[str, int]:
        """Database name -> list id."""
        with self.store.lock:
            return {database.name: database.id for database in self.store.databases.values()}

    @property
    def tables(self) -> dict[str, int]:
        """Relational table name -> table id."""
        with self.store.lock:
            return {table.name: table.id for table in self.store.tables.values()}

    @property
    def upload_dir(self) -> Path:
        return self.store.upload_dir

    @property
    def download_dir(self) -> Path:
        return self.store.download_dir

    def _database(self, list_id: int | str) -> Database:
        text = str(list_id)
        return self.store.database(text) if text.isdigit() else self.store.database_by_name(text)

    def _table(self, table_id: int | str) -> Table:
        text = str(table_id)
        return self.store.table(text) if text.isdigit() else self.store.table(None, text)

    def contacts(self, list_id: int | str) -> list[dict[str, Any]]:
        """Every contact of a database (by id or name), oldest recipient id first."""
        self.store.jobs.advance()
        with self.store.lock:
            database = self._database(list_id)
            return [contact_view(database.contacts[key]) for key in sorted(database.contacts)]

    def add_contact(self, list_id: int | str, fields: dict[str, str], opted_out: bool = False) -> int:
        """Put a contact straight into a database (demo data, test setup); returns its recipient id.

        Columns the database lacks are ignored; an existing contact with the same key is replaced. Its opt-in
        (and opt-out) is recorded as an event, as RawRecipientDataExport reports it.
        """
        with self.store.lock:
            database = self._database(list_id)
            now = self.clock.now()
            values = {name: str(fields.get(name, "")) for name in database.columns}
            for existing in database.find({name: values[name] for name in database.key_columns}):
                database.remove(existing)
            contact = Contact(self.store.ids.recipient_id(), values, now, now, 0, now, now if opted_out else None)
            database.add(contact)
            self.store.record_events(database, contact)
            return contact.recipient_id

    def contact(self, list_id: int | str, **criteria: str) -> dict[str, Any] | None:
        """The oldest contact whose fields equal ``criteria`` (e.g. ``GigyaUid="..."``), or ``None``."""
        self.store.jobs.advance()
        with self.store.lock:
            found = self._database(list_id).find(criteria)
            return contact_view(found[0]) if found else None

    def rows(self, table_id: int | str) -> list[dict[str, str]]:
        """Every row of a relational table (by id or name), in key order."""
        self.store.jobs.advance()
        with self.store.lock:
            table = self._table(table_id)
            return [dict(table.rows[key]) for key in sorted(table.rows)]

    def joins(self, table_id: int | str) -> dict[int, list[tuple[str, str]]]:
        with self.store.lock:
            table = self._table(table_id)
            return {list_id: list(mapping) for list_id, mapping in table.joins.items()}

    def jobs(self) -> list[dict[str, object]]:
        self.store.jobs.advance()
        with self.store.lock:
            return [job.summary() for job in self.store.jobs.jobs.values()]

    def job(self, job_id: int | str) -> dict[str, object] | None:
        self.store.jobs.advance()
        found = self.store.jobs.get(int(job_id))
        return found.summary() if found else None

    def advance_jobs(self) -> None:
        """Move jobs as far as the clock allows (the ticker does this on its own in real runs)."""
        self.store.jobs.advance()

    def step_jobs(self, job_id: int | str | None = None) -> None:
        """Force one state transition of one job, or of all unfinished jobs, whatever the clock says."""
        self.store.jobs.step(int(job_id) if job_id is not None else None)

    def issue_token(self) -> str:
        """A valid access token without the OAuth round trip (e.g. for an SFTP login)."""
        return self.tokens.issue()[0]

    def expire_tokens(self, token: str | None = None) -> int:
        """Expire one access token, or all: the next API call with it gets 401 and must refresh."""
        return self.tokens.expire(token)

    def hold_requests(self) -> AbstractContextManager[None]:
        """Within the block, admitted ``/XMLAPI`` requests wait (and stay in flight) until it exits."""
        return self.faults.hold()

    @property
    def in_flight(self) -> int:
        return self.faults.in_flight

    @property
    def fault_counts(self) -> dict[str, int]:
        return dict(self.faults.counts)

    def download_files(self) -> list[str]:
        """Names of the finished files in ``download/`` (partial writes are hidden)."""
        return sorted(path.name for path in self.download_dir.iterdir() if not path.name.startswith("."))
