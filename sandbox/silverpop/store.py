"""The sandbox org's state: databases, relational tables, jobs, events, and the SFTP directories.

One re-entrant lock guards all of it: the HTTP server is threaded and the job ticker and the SFTP server run
on other threads, and a single coarse lock keeps every operation atomic (a fault or a failure never leaves half
an update behind) at a throughput far above what a sync test needs.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from pathlib import Path

from sandbox.silverpop import errors
from sandbox.silverpop.clock import Clock
from sandbox.silverpop.config import SilverpopConfig
from sandbox.silverpop.faults import FaultInjector
from sandbox.silverpop.jobs import Job, JobQueue
from sandbox.silverpop.model import Contact, Database, Event, Table


class Ids:
    """Seeded id counters: list/table ids, recipient ids and job ids start at seed-derived bases."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"silverpop-ids/{seed}")
        self._next = {
            "list": rng.randrange(1_000_000, 8_000_000),
            "recipient": rng.randrange(10_000_000, 80_000_000),
            "job": rng.randrange(100_000_000, 800_000_000),
        }
        self._lock = threading.Lock()
        self._reserved: set[int] = set()

    def reserve(self, list_ids: Iterable[int]) -> None:
        """List ids given by a layout: never handed out again."""
        with self._lock:
            self._reserved.update(list_ids)

    def _take(self, kind: str, step: int) -> int:
        with self._lock:
            value = self._next[kind]
            while kind == "list" and value in self._reserved:
                value += step
            self._next[kind] = value + step
            return value

    def list_id(self) -> int:
        return self._take("list", 7)

    def recipient_id(self) -> int:
        return self._take("recipient", 1)

    def job_id(self) -> int:
        return self._take("job", 3)


class Store:
    def __init__(self, config: SilverpopConfig, clock: Clock, data_dir: Path, faults: FaultInjector) -> None:
        self.config = config
        self.clock = clock
        self.faults = faults
        self.lock = threading.RLock()
        self.ids = Ids(config.seed)
        self.databases: dict[int, Database] = {}
        self.tables: dict[int, Table] = {}
        self.events: list[Event] = []
        self.jobs = JobQueue(clock, self.lock, config.job_waiting_s, config.job_running_s)
        self.data_dir = data_dir
        self.upload_dir = data_dir / "upload"
        self.download_dir = data_dir / "download"
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        self.download_dir.mkdir(parents=True, exist_ok=True)
        self.reserved_files: set[str] = set()

    # -- lookups that answer with the documented faults
    @staticmethod
    def _id(text: str | None) -> int:
        if not text:
            raise errors.missing("LIST_ID")
        try:
            return int(text)
        except ValueError:
            raise errors.bad_list_id() from None

    def database(self, list_id: str | None) -> Database:
        number = self._id(list_id)
        found = self.databases.get(number)
        if found is None:
            raise errors.no_such_list(number)
        return found

    def table(self, table_id: str | None = None, name: str | None = None) -> Table:
        if not table_id and name:
            for table in self.tables.values():
                if table.name == name:
                    return table
            raise errors.ApiFault(errors.NO_SUCH_LIST, f"Table {name} Does Not Exist.", "SP.ListManager")
        number = self._id(table_id)
        found = self.tables.get(number)
        if found is None:
            raise errors.no_such_list(number)
        return found

    def database_by_name(self, name: str) -> Database:
        for database in self.databases.values():
            if database.name == name:
                return database
        raise errors.ApiFault(errors.NO_SUCH_LIST, f"List {name} Does Not Exist.", "SP.ListManager")

    def total_rows(self) -> int:
        return sum(len(table.rows) for table in self.tables.values())

    # -- shared mutations
    def opt_out(self, database: Database, contact: Contact) -> None:
        if contact.opted_out is None:
            now = self.clock.now()
            contact.opted_out = contact.modified = now
            email = contact.fields.get("EMAIL", "")
            self.events.append(Event(now, "Opt Out", database.id, contact.recipient_id, email))

    def record_opt_in(self, database: Database, contact: Contact) -> None:
        self.events.append(
            Event(self.clock.now(), "Opt In", database.id, contact.recipient_id, contact.fields.get("EMAIL", ""))
        )

    def record_events(self, database: Database, contact: Contact) -> None:
        """The events of a contact put in place directly (seed data, the admin API): its opt-in, its opt-out."""
        email = contact.fields.get("EMAIL", "")
        if contact.opted_in is not None:
            self.events.append(Event(contact.opted_in, "Opt In", database.id, contact.recipient_id, email))
        if contact.opted_out is not None:
            self.events.append(Event(contact.opted_out, "Opt Out", database.id, contact.recipient_id, email))

    def new_job(self, kind: str, description: str, parameters: dict[str, str]) -> Job:
        """A WAITING job; whether it will fail by injection is drawn now, before anything runs."""
        injected = None
        if self.faults.draw("job_error", self.config.faults.job_error_rate):
            injected = "Job failed (injected fault)"
        job = Job(self.ids.job_id(), kind, description, parameters, self.clock.now(), injected_error=injected)
        return self.jobs.submit(job)

    def download_name(self, wanted: str) -> str:
        """``wanted``, or ``wanted`` with a counter, so two pending exports never share a file name."""
        stem, dot, ext = wanted.rpartition(".")
        if not dot:
            stem, ext = wanted, ""
        candidate, counter = wanted, 1
        while candidate in self.reserved_files or (self.download_dir / candidate).exists():
            counter += 1
            candidate = f"{stem} ({counter}){dot}{ext}"
        self.reserved_files.add(candidate)
        return candidate

    def upload_file(self, name: str | None, tag: str) -> Path:
        """A bare file name inside ``upload/`` (silverpop.md §5); paths and missing files are faults."""
        if not name:
            raise errors.missing(tag)
        bare = name.strip()
        if "/" in bare or "\\" in bare or bare in (".", ".."):
            raise errors.invalid(f"{tag} must be a file name in the upload directory: {name}")
        path = self.upload_dir / bare
        if not path.is_file():
            raise errors.invalid(f"File {bare} was not found in the upload directory")
        return path
