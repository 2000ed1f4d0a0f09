"""Fixtures for SFTP tests: one real OpenSSH sshd per test session, a fresh remote directory per test.

Reuse (e.g. for the Silverpop SFTP): ``sshd_server`` is an :class:`tests.sftp.sshd.SshdServer` (``host``,
``port``, ``username``, ``password``, ``client_private_key``, ``host_key_fingerprint``, ``known_hosts_line``,
``params(remote_path)``, ``mkdir(path)``, ``local(path)``); ``remote_dir`` is a new, empty directory in the
test user's home, as (remote path, local path). Without ``/usr/sbin/sshd`` every test here is skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from dataflow.registry import Registry, default_registry
from steps.storage import sftp_session
from steps.storage.sftp import ReadSftp, WriteSftp
from steps.storage.ssh_keys import SITE_KNOWN_HOSTS
from tests.sftp import sshd

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def sshd_server() -> Iterator[sshd.SshdServer]:
    reason = sshd.available()
    if reason:
        pytest.skip(f"no OpenSSH server to test against: {reason}")
    with sshd.running() as server:
        yield server


@pytest.fixture
def remote_dir(sshd_server: sshd.SshdServer) -> tuple[str, Path]:
    """A fresh remote directory, as (path relative to the login directory, the local path behind it)."""
    name = f"t{next(_numbers)}"
    return name, sshd_server.mkdir(name)


@pytest.fixture
def sftp_registry() -> Registry:
    """The default registry with the SFTP components, whether or not the package registers them yet."""
    return default_registry().extended({"datasource.read.sftp": ReadSftp, "datasource.write.sftp": WriteSftp})


@pytest.fixture(autouse=True)
def _quick_retries_and_no_site_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries wait milliseconds, not seconds; the site-wide known_hosts is only there when a test sets it."""
    monkeypatch.setattr(sftp_session, "RETRY_DELAYS", (0.01, 0.02, 0.03))
    monkeypatch.delenv(SITE_KNOWN_HOSTS, raising=False)
