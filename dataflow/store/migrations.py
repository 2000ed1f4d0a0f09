"""Versioned schema migrations of the embedded state store.

Each entry upgrades the database by one version; ``PRAGMA user_version`` records where a database stands, so
an older database is brought forward on open and a newer one (from a later release) is refused.
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
    # 2: connector state (dataflow.runtime.state): JSON values under a scope the connector names
    """
    CREATE TABLE connector_state (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (scope, key)
    );
    """,
)
