"""Versioned schema migrations of the state store, written once for SQLite and PostgreSQL.

Each entry upgrades the database by one version; the dialect records where a database stands (SQLite's
``PRAGMA user_version``, a ``dataflow_schema`` table on PostgreSQL), so an older database is brought forward on
open and a newer one (from a later release) is refused. Use SQL both databases accept (TEXT, INTEGER, DOUBLE
PRECISION, partial indexes, ``ALTER TABLE ... ADD COLUMN``); ``tests/ops/test_store.py`` runs on both.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: dataflows (published and draft, versioned), schedulings, jobs, watermarks
    """
    CREATE TABLE dataflows (
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('published', 'draft')),
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (id, status),
        UNIQUE (name, status)
    );
    CREATE TABLE schedulings (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        dataflow_id TEXT NOT NULL,
        document TEXT NOT NULL,
        next_job_start_time TEXT,
        retry_at TEXT,
        retry_attempt INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        dataflow_id TEXT NOT NULL,
        dataflow_name TEXT NOT NULL,
        scheduling_id TEXT,
        status TEXT NOT NULL,
        start_time TEXT NOT NULL,
        end_time TEXT,
        attempt_number INTEGER NOT NULL,
        owner TEXT NOT NULL,
        kill_requested INTEGER NOT NULL DEFAULT 0,
        work_dir TEXT,
        error_file TEXT,
        document TEXT
    );
    CREATE INDEX jobs_by_flow ON jobs (dataflow_id, start_time);
    CREATE UNIQUE INDEX one_running_job_per_flow ON jobs (dataflow_id) WHERE status = 'running';
    CREATE TABLE watermarks (
        dataflow_id TEXT PRIMARY KEY,
        last_runtime TEXT NOT NULL,
        job_id TEXT NOT NULL
    );
    """,
    # 2: a running job's lease, in epoch seconds on the database's clock (renewed while the job runs)
    """
    ALTER TABLE jobs ADD COLUMN lease_expires DOUBLE PRECISION;
    """,
)
