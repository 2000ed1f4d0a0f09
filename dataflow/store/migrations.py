"""Versioned schema migrations of the state store, written once for SQLite and PostgreSQL.

Each entry upgrades the database by one version; the dialect records where a database stands (SQLite's
``PRAGMA user_version``, a ``dataflow_schema`` table on PostgreSQL), so an older database is brought forward on
open and a newer one (from a later release) is refused.

The SQL is kept portable (TEXT, INTEGER, DOUBLE PRECISION, partial indexes, CREATE/INSERT ... SELECT/DROP/ALTER ...
RENAME/ADD COLUMN, no database-only functions): ``tests/ops/test_store*.py`` run every migration on both.
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
    # 2: sites and their keys; every flow, scheduling and job belongs to a site (names are unique per site);
    #    live progress and an update time on jobs. Existing rows belong to the command line's site, 'local'.
    """
    CREATE TABLE sites (
        api_key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE site_keys (
        api_key TEXT NOT NULL REFERENCES sites (api_key) ON DELETE CASCADE,
        user_key TEXT NOT NULL,
        secret TEXT NOT NULL,
        created TEXT NOT NULL,
        PRIMARY KEY (api_key, user_key)
    );
    CREATE TABLE dataflows_by_site (
        id TEXT NOT NULL,
        site TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('published', 'draft')),
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (id, status),
        UNIQUE (site, name, status)
    );
    INSERT INTO dataflows_by_site (id, site, name, status, version, document, created, updated)
        SELECT id, 'local', name, status, version, document, created, updated FROM dataflows;
    DROP TABLE dataflows;
    ALTER TABLE dataflows_by_site RENAME TO dataflows;
    CREATE TABLE schedulings_by_site (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        name TEXT NOT NULL,
        dataflow_id TEXT NOT NULL,
        document TEXT NOT NULL,
        next_job_start_time TEXT,
        retry_at TEXT,
        retry_attempt INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL,
        updated TEXT NOT NULL,
        UNIQUE (site, name)
    );
    INSERT INTO schedulings_by_site (id, site, name, dataflow_id, document, next_job_start_time, retry_at,
            retry_attempt, created, updated)
        SELECT id, 'local', name, dataflow_id, document, next_job_start_time, retry_at, retry_attempt, created, updated
        FROM schedulings;
    DROP TABLE schedulings;
    ALTER TABLE schedulings_by_site RENAME TO schedulings;
    CREATE INDEX schedulings_by_flow ON schedulings (dataflow_id);
    ALTER TABLE jobs ADD COLUMN site TEXT NOT NULL DEFAULT 'local';
    ALTER TABLE jobs ADD COLUMN progress TEXT;
    ALTER TABLE jobs ADD COLUMN update_time TEXT;
    UPDATE jobs SET update_time = COALESCE(end_time, start_time);
    CREATE INDEX jobs_by_site ON jobs (site, start_time);
    """,
    # 3: connector state (dataflow.runtime.state): JSON values under a scope the connector names
    """
    CREATE TABLE connector_state (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated TEXT NOT NULL,
        PRIMARY KEY (scope, key)
    );
    """,
    # 4: a running job's lease, in epoch seconds on the database's clock (renewed while the job runs)
    """
    ALTER TABLE jobs ADD COLUMN lease_expires DOUBLE PRECISION;
    """,
)
