"""A throwaway PostgreSQL server for tests: Debian's ``initdb`` and ``pg_ctl`` in a temporary directory.

It listens on 127.0.0.1 on a free port (and on a unix socket inside its directory), trusts local connections,
and runs without fsync: nothing in it outlives the test session. PostgreSQL refuses to run as root, so as root
it runs as the ``postgres`` user the Debian package creates (``runuser``); otherwise as the current user.
Each test gets a schema of its own (``url(schema=...)``), which is much cheaper than a database per test.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        if not BIN_DIRS:
            raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
        self.bin = BIN_DIRS[0]
        self.base = Path(tempfile.mkdtemp(prefix="dataflow-pg-"))
        self.data = self.base / "data"
        self.port = 0
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.base, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self._as, *command], capture_output=True, text=True, check=False, cwd=self.base)
        if done.returncode != 0:
            log = (self.base / "server.log").read_text() if (self.base / "server.log").exists() else ""
            raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr or done.stdout}\n{log}")

    def start(self) -> PostgresServer:
        initdb = [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        self._run(*initdb, "--no-sync", "--no-instructions")
        for attempt in range(3):  # the port is free when probed; another process may still take it first
            self.port = free_port()
            settings = (
                f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=300"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            try:
                log = str(self.base / "server.log")
                self._run(
                    str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", log, "-w", "-t", "60", "-o", settings, "start"
                )
                return self
            except RuntimeError:
                if attempt == 2:
                    raise
        return self

    def url(self, schema: str | None = None) -> str:
        url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        return f"{url}?options={quote(f'-csearch_path={schema}')}" if schema else url

    def new_schema(self) -> str:
        import psycopg

        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        return schema

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                [*self._as, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                capture_output=True,
                check=False,
                cwd=self.base,
            )
        shutil.rmtree(self.base, ignore_errors=True)
