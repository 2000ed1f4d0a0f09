"""Settings of a Silverpop sandbox: credentials (derived from the seed), limits, timings and faults.

Each knob that decides between "as Acoustic documents it" and "convenient for a local run" is here, so a test
flips one field rather than patching the server. Defaults follow silverpop.md: 4 h tokens, 10 concurrent
requests, 10 relational tables, 400 columns; the 10M-row relational cap and the reserved ``email`` table field
are the project's emulator rules (the reference could not confirm them; both are configurable).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sandbox.silverpop.seed import DEFAULT_DATABASES, DEFAULT_TABLES, DatabaseSpec, TableSpec


def derive(seed: int, label: str, size: int = 16) -> str:
    """A stable hex secret for ``label`` under ``seed`` (never a real credential)."""
    return hashlib.sha256(f"dataflow-sandbox/silverpop/{seed}/{label}".encode()).hexdigest()[: size * 2]


@dataclass
class FaultConfig:
    """Seeded fault injection. Every rate is a probability per call (0 disables it)."""

    server_error_rate: float = 0.0
    """Share of ``/XMLAPI`` calls answered with ``server_error_status`` and a 50 "Server Error" fault."""
    server_error_status: int = 503
    token_expiry_rate: float = 0.0
    """Share of calls whose (otherwise valid) access token is found expired early: HTTP 401, token revoked."""
    job_error_rate: float = 0.0
    """Share of import/export/join jobs that end in ERROR without applying anything."""
    lost_answer_rate: float = 0.0
    """Share of ``/XMLAPI`` calls carried out whose connection is then closed without the answer: the client
    cannot tell them from a call that never arrived, which is what makes retrying non-idempotent calls unsafe."""
    max_concurrent: int = 10
    """Concurrent ``/XMLAPI`` requests allowed; the next one is rejected at once (0 = unlimited)."""
    concurrency_status: int = 429
    seed: int | None = None
    """Seed of the fault draws; ``None`` uses the sandbox seed."""


@dataclass
class SilverpopConfig:
    seed: int = 1
    client_id: str = ""
    client_secret: str = ""
    refresh_token: str = ""
    sftp_username: str = "sandbox"
    sftp_password: str = ""
    organization_id: str = ""
    token_ttl_s: int = 14_400
    job_waiting_s: float = 1.0
    """Seconds a new job stays WAITING (measured on the sandbox clock)."""
    job_running_s: float = 1.0
    """Seconds a job stays RUNNING before it completes and its effect (and files) appear."""
    latency_s: float = 0.0
    update_missing: str = "fault"
    """UpdateRecipient on an unknown contact: ``"fault"`` (128) or ``"add"`` (the old documented behaviour)."""
    unknown_columns: str = "fault"
    """A COLUMN the database lacks: ``"fault"`` (51) or ``"ignore"``."""
    max_relational_rows: int = 10_000_000
    """Rows across all relational tables of the org."""
    max_rows_per_call: int | None = None
    """Rows per InsertUpdateRelationalTable call (``None`` = no limit; the real limit is undocumented)."""
    max_tables: int = 10
    max_columns: int = 400
    reserved_table_fields: tuple[str, ...] = ("email",)
    """Field names (case-insensitive) that cannot be created in or imported into a relational table."""
    contacts: int = 20
    """Contacts seeded into the first database."""
    databases: tuple[DatabaseSpec, ...] = DEFAULT_DATABASES
    tables: tuple[TableSpec, ...] = DEFAULT_TABLES
    faults: FaultConfig = field(default_factory=FaultConfig)

    def __post_init__(self) -> None:
        self.client_id = self.client_id or derive(self.seed, "client-id", 8)
        self.client_secret = self.client_secret or derive(self.seed, "client-secret")
        self.refresh_token = self.refresh_token or "r" + derive(self.seed, "refresh-token", 20)
        self.sftp_password = self.sftp_password or derive(self.seed, "sftp-password", 12)
        if not self.organization_id:
            raw = derive(self.seed, "organization", 16)
            self.organization_id = f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:32]}"

    def is_reserved_table_field(self, name: str) -> bool:
        return name.strip().lower() in {reserved.lower() for reserved in self.reserved_table_fields}
