"""A synchronous SFTP session for the SFTP components, built on asyncssh.

Why asyncssh behind a synchronous face: components run in the runner's thread and call plain methods, but
asyncssh was the faster library on this machine (see ``benchmarks/README.md``) and has the better host-key
API (known_hosts matching with hashed names, ports, wildcards, CAs and revocations, plus a hook for
fingerprint pins). So each session owns a private event loop on a daemon thread; a method call submits one
coroutine to it and waits. The loop is the session's own, so a caller that runs its own event loop is fine.

What a session promises:

- files stream: at most ``DEPTH`` chunks of ``CHUNK`` bytes are in flight (each split by asyncssh into
  parallel SFTP requests), whatever the file's size;
- transient failures (refused or dropped connection, timeout, a transfer that makes no progress for
  ``timeout`` seconds) are retried with back-off on a fresh connection, then reported as
  :class:`SftpUnavailable` (a ``FatalError``);
- authentication failure and host-key mismatch are ``FatalError`` at once: retrying cannot fix them;
- a request the server refuses for one file (permission denied, no such file, no space) is a
  :class:`RemoteError`, which the component turns into a record error or a fatal one as fits;
- a killed job (``cancel`` set) stops a transfer within a fraction of a second.

Messages name the user, host and paths, never the password, key or passphrase.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncssh

from dataflow.errors import FatalError, JobKilled
from steps.storage.remote import RemoteFile
from steps.storage.ssh_keys import HOST_KEY_FAMILIES, HostKeyTrust, family_of

T = TypeVar("T")

CHUNK = 1 << 20  # bytes per read/write call; asyncssh splits it into ~255 KiB requests sent in parallel
DEPTH = 2  # chunks in flight per transfer: enough to keep the pipe full, ~2 MiB of memory
RETRY_DELAYS = (1.0, 3.0, 8.0)  # seconds before each retry of a transient failure (with jitter)
POLL = 0.2  # seconds between checks for a killed job or a stalled transfer

# How a server that ends the connection shows up, depending on timing: asyncssh's "connection lost" or a reset.
_CUT_OFF = (asyncssh.DisconnectError, ConnectionResetError, ConnectionAbortedError, BrokenPipeError)
_REGULAR = asyncssh.FILEXFER_TYPE_REGULAR
_SYMLINK = asyncssh.FILEXFER_TYPE_SYMLINK


@dataclass(frozen=True)
class Endpoint:
    """Where to connect and as whom. Secrets are kept out of ``repr``."""

    host: str
    port: int
    username: str
    password: str | None = field(default=None, repr=False)
    client_key: asyncssh.SSHKey | None = field(default=None, repr=False)
    timeout: float = 60.0

    @property
    def where(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.username}@{host}:{self.port}"

    @property
    def methods(self) -> str:
        used = [name for name, value in (("private key", self.client_key), ("password", self.password)) if value]
        return " and ".join(used) or "no credentials"


class RemoteError(Exception):
    """The server refused one request about one file; ``reason`` is its words (``permission denied``)."""

    def __init__(self, reason: str, code: int | None = None, partial: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.partial = partial  # bytes were written before the refusal: the target holds a partial file

    @property
    def no_such_file(self) -> bool:
        return self.code == asyncssh.FX_NO_SUCH_FILE


class SftpUnavailable(FatalError):
    """The server stayed unreachable (or kept dropping the connection) through every retry."""


class SftpAuthError(FatalError):
    """The server refused the credentials."""


class _Transient(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _HostKeyRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Client(asyncssh.SSHClient):
    """Hands host keys asyncssh did not find among the trusted ones to the step's fingerprint pins, and notes
    when the key exchange is over (authentication begins only after the host key was accepted)."""

    def __init__(self, trust: HostKeyTrust) -> None:
        self._trust = trust
        self.key_exchange_done = False

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        return self._trust.accepts(key)

    def begin_auth(self, username: str) -> bool:
        self.key_exchange_done = True
        return True


class _Loop:
    """A private event loop on a daemon thread; ``run`` submits a coroutine and waits for its result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="sftp-session", daemon=True)
        self.thread.start()

    def run(self, coroutine: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(_as_coroutine(coroutine), self.loop).result()

    def close(self) -> None:
        if self.loop.is_closed():
            return
        with contextlib.suppress(Exception):
            self.run(_cancel_others())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        if not self.thread.is_alive():
            self.loop.close()


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _cancel_others() -> None:
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def join(directory: str, name: str) -> str:
    """``directory/name`` in SFTP (POSIX) syntax; an empty directory means the login directory."""
    if directory in ("", "."):
        return name
    return f"{directory.rstrip('/')}/{name}" if directory.strip("/") else f"/{name}"


class SftpSession:
    """One SSH connection with one SFTP channel, opened on first use and reopened after a transient failure."""

    def __init__(
        self,
        endpoint: Endpoint,
        trust: HostKeyTrust,
        *,
        cancel: threading.Event | None = None,
        log: Callable[[str, str], None] | None = None,
        retry_delays: tuple[float, ...] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.trust = trust
        self.retry_delays = RETRY_DELAYS if retry_delays is None else retry_delays
        self._cancel = cancel or threading.Event()
        self._log = log or (lambda level, message: None)
        self._loop: _Loop | None = None
        self._connection: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None
        self._activity = 0.0
        self.server_key: asyncssh.SSHKey | None = None  # the host key the server proved it holds
        self.connections = 0  # how many times a connection was opened (reconnects included)

    # public operations -------------------------------------------------------------------------------------
    def connect(self) -> None:
        self.call("connecting", None)

    def list_files(self, directory: str) -> list[RemoteFile]:
        """Regular files in ``directory`` (symlinks to files included), in the server's order."""

        async def listing(sftp: asyncssh.SFTPClient) -> list[RemoteFile]:
            found: list[RemoteFile] = []
            async for entry in sftp.scandir(directory):
                name = entry.filename if isinstance(entry.filename, str) else entry.filename.decode()
                attrs = entry.attrs
                if name in (".", ".."):
                    continue
                path = join(directory, name)
                if attrs.type == _SYMLINK:
                    try:
                        attrs = await sftp.stat(path)
                    except asyncssh.SFTPError:
                        continue  # a dangling link
                if attrs.type == _REGULAR:
                    found.append(RemoteFile(name, path, attrs.size, attrs.mtime))
                self._touch()
            return found

        return self.call(f"listing {directory or '.'}", listing)

    def stat(self, path: str) -> RemoteFile | None:
        """The file at ``path``, or None when there is none."""

        async def stat(sftp: asyncssh.SFTPClient) -> RemoteFile | None:
            try:
                attrs = await sftp.stat(path)
            except asyncssh.SFTPNoSuchFile:
                return None
            return RemoteFile(path.rsplit("/", 1)[-1], path, attrs.size, attrs.mtime)

        return self.call(f"checking {path}", stat)

    def is_directory(self, path: str) -> bool | None:
        """True for a directory, False for something else, None when nothing is there."""

        async def check(sftp: asyncssh.SFTPClient) -> bool | None:
            try:
                attrs = await sftp.stat(path or ".")
            except asyncssh.SFTPNoSuchFile:
                return None
            return attrs.type == asyncssh.FILEXFER_TYPE_DIRECTORY

        return self.call(f"checking {path or '.'}", check)

    def download(self, remote: str, local: Path) -> int:
        """Copy ``remote`` into the local file ``local`` (replaced); returns the bytes copied."""
        return self.call(f"downloading {remote}", lambda sftp: self._download(sftp, remote, local))

    def upload(self, local: Path, remote: str) -> int:
        """Copy the local file to ``remote`` (created or truncated); returns the bytes copied."""
        return self.call(f"uploading {remote}", lambda sftp: self._upload(sftp, local, remote))

    def upload_replacing(self, local: Path, final: str, suffix: str = ".tmp") -> int:
        """Upload to a temporary name beside ``final``, check its size, then rename it over ``final``.

        A consumer never sees ``final`` partial: it only ever appears (or changes) by a rename. Each attempt
        uses a fresh name (``final.<8 hex>.tmp``), so a stalled attempt that the server carries out late can
        only touch its own temporary file, never the retry's nor ``final``; temporary files of abandoned
        attempts are removed once an attempt succeeds.
        """
        abandoned: list[str] = []

        async def attempt(sftp: asyncssh.SFTPClient) -> int:
            for stale in list(abandoned):  # attempts cut off by a dropped connection left partial files
                with contextlib.suppress(asyncssh.SFTPError):
                    await sftp.remove(stale)
                    abandoned.remove(stale)
            temporary = f"{final}.{secrets.token_hex(4)}{suffix}"
            abandoned.append(temporary)
            try:
                sent = await self._upload(sftp, local, temporary)
                held = (await sftp.stat(temporary)).size
                if held is not None and held != sent:
                    raise RemoteError(f"the server holds {held:,} of the {sent:,} bytes sent", partial=True)
                await _replace(sftp, temporary, final)
            except (asyncssh.SFTPConnectionLost, asyncssh.SFTPNoConnection):
                raise
            except (asyncssh.SFTPError, RemoteError):  # refused: clean up now, the connection still works
                with contextlib.suppress(asyncssh.SFTPError):
                    await sftp.remove(temporary)
                abandoned.remove(temporary)
                raise
            abandoned.remove(temporary)
            return sent

        return self.call(f"uploading {final}", attempt)

    def rename(self, old: str, new: str) -> None:
        """Rename, replacing ``new`` atomically where the server can (OpenSSH's posix-rename)."""
        self.call(f"renaming {old}", lambda sftp: _replace(sftp, old, new))

    def remove_quietly(self, path: str) -> None:
        """Best-effort removal of a partial upload; a failure here must not hide the one being reported."""
        if self._sftp is None:
            return

        async def remove(sftp: asyncssh.SFTPClient) -> None:
            await sftp.remove(path)

        with contextlib.suppress(Exception):
            self._run(remove(self._sftp))

    def close(self) -> None:
        self._drop(polite=True)
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    # retries -------------------------------------------------------------------------------------------
    def call(self, what: str, operation: Callable[[asyncssh.SFTPClient], Awaitable[T]] | None) -> T:
        """Run ``operation`` on a live SFTP channel, reconnecting and retrying after transient failures."""
        attempts = len(self.retry_delays) + 1
        for attempt in range(1, attempts + 1):
            try:
                if self._sftp is None:
                    self._connect()
                assert self._sftp is not None
                return self._run(operation(self._sftp)) if operation else None  # type: ignore[return-value]
            except _Transient as problem:
                self._drop()
                if attempt == attempts:
                    raise SftpUnavailable(
                        f"{what} on {self.endpoint.where} failed: {problem.reason} (gave up after {attempts} attempts)"
                    ) from None
                delay = self.retry_delays[attempt - 1] * (0.75 + random.random() / 2)
                self._log(
                    "warn",
                    f"{what} on {self.endpoint.where}: {problem.reason}; retrying in {delay:.1f} s "
                    f"(attempt {attempt + 1} of {attempts})",
                )
                if self._cancel.wait(delay):
                    raise JobKilled("the job was killed") from None
        raise AssertionError("unreachable")

    def _run(self, coroutine: Awaitable[T]) -> T:
        """Run one coroutine on the session's loop, supervised; asyncssh's errors become ours."""
        if self._loop is None:
            self._loop = _Loop()
        try:
            return self._loop.run(self._supervised(coroutine))
        except JobKilled:
            self._drop()  # mid-transfer: the channel is in an unknown state, and the peer may hang
            raise
        except (FatalError, RemoteError, _Transient, _HostKeyRefused):
            raise
        except asyncssh.PermissionDenied:
            raise SftpAuthError(
                f"authentication failed for {self.endpoint.where}: the server refused the {self.endpoint.methods}"
            ) from None
        except (asyncssh.SFTPConnectionLost, asyncssh.SFTPNoConnection) as problem:
            raise _Transient(f"connection lost ({problem.reason})") from None
        except asyncssh.SFTPError as problem:
            raise RemoteError(_reason(problem), problem.code) from None
        except asyncssh.ChannelOpenError as problem:
            raise FatalError(f"{self.endpoint.where} refused to open an SFTP session: {problem.reason}") from None
        except asyncssh.KeyExchangeFailed as problem:
            raise FatalError(f"cannot agree on encryption with {self.endpoint.where}: {problem.reason}") from None
        except asyncssh.DisconnectError as problem:
            raise _Transient(f"disconnected ({problem.reason})") from None
        except socket.gaierror as problem:
            if problem.errno == socket.EAI_AGAIN:
                raise _Transient("temporary failure in name resolution") from None
            raise FatalError(f"cannot resolve {self.endpoint.host}: {problem.strerror}") from None
        except (TimeoutError, OSError, EOFError) as problem:
            raise _Transient(_describe_os_error(problem)) from None

    async def _supervised(self, coroutine: Awaitable[T]) -> T:
        """Await ``coroutine``; stop it when the job is killed or nothing moved for ``timeout`` seconds."""
        task = asyncio.ensure_future(coroutine)
        self._activity = time.monotonic()
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=POLL)
                if done:
                    return task.result()
                if self._cancel.is_set():
                    raise JobKilled("the job was killed")
                if time.monotonic() - self._activity > self.endpoint.timeout:
                    raise _Transient(f"no answer for {self.endpoint.timeout:g} s")
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task

    def _touch(self) -> None:
        self._activity = time.monotonic()

    # connecting ------------------------------------------------------------------------------------------
    def _connect(self) -> None:
        """Open the connection; with fingerprint pins only, ask for each kind of host key in turn."""
        algorithms: tuple[str, ...] = ()
        tried: set[int] = set()
        while True:
            try:
                self._connection, self._sftp = self._run(self._open(algorithms))
                self.server_key = self._connection.get_server_host_key()
                self.connections += 1
                return
            except _HostKeyRefused as refused:
                tried.update(f for f in (family_of(k) for k in self.trust.presented) if f is not None)
                if algorithms:
                    tried.add(next(i for i, family in enumerate(HOST_KEY_FAMILIES) if family == algorithms))
                untried = [i for i in range(len(HOST_KEY_FAMILIES)) if i not in tried]
                if not (self.trust.fingerprint_only and untried):
                    raise self.trust.mismatch(refused.reason) from None
                algorithms = HOST_KEY_FAMILIES[untried[0]]

    async def _open(
        self, algorithms: tuple[str, ...] | str
    ) -> tuple[asyncssh.SSHClientConnection, asyncssh.SFTPClient]:
        """Connect and start SFTP. ``algorithms``: host key algorithms to ask for (``()``: those of the trusted
        keys, else asyncssh's defaults; ``"default"``: asyncssh's defaults whatever is trusted)."""
        endpoint = self.endpoint
        client = _Client(self.trust)
        options: dict[str, Any] = {
            "username": endpoint.username,
            "known_hosts": self.trust.known_hosts_arg,
            "client_factory": lambda: client,
            "connect_timeout": endpoint.timeout,
            "config": None,  # never ~/.ssh/config, the agent, GSS or PKCS#11 of whoever runs the engine
            "agent_path": None,
            "pkcs11_provider": None,
            "gss_kex": False,
            "gss_auth": False,
            "host_based_auth": False,
            "client_keys": [endpoint.client_key] if endpoint.client_key else None,
            "public_key_auth": endpoint.client_key is not None,
            "password": endpoint.password or None,
            "password_auth": bool(endpoint.password),
            "kbdint_auth": bool(endpoint.password),
            "keepalive_interval": 30,
        }
        if algorithms:
            options["server_host_key_algs"] = algorithms if isinstance(algorithms, str) else list(algorithms)
        try:
            connection = await asyncssh.connect(endpoint.host, endpoint.port, **options)
        except asyncssh.HostKeyNotVerifiable as problem:
            raise _HostKeyRefused(problem.reason) from None
        except _CUT_OFF as problem:
            if client.key_exchange_done:
                raise
            # OpenSSH ends the key exchange without a word when it has no host key of the kinds asked for:
            # the kinds of the pinned keys, or the one kind probed after a fingerprint mismatch.
            if algorithms and algorithms != "default":
                raise _HostKeyRefused(f"no {algorithms[0]} host key") from None
            if not algorithms and self.trust.pins_keys:
                try:  # learn which key the server does have, for the message
                    return await self._open("default")
                except _HostKeyRefused:
                    raise
                except Exception:
                    raise problem from None
            raise
        try:
            sftp = await connection.start_sftp_client()
        except BaseException:
            connection.abort()
            raise
        return connection, sftp

    def _drop(self, polite: bool = False) -> None:
        """Forget the connection: closed politely at the end, aborted after a failure (the peer may hang)."""
        connection, self._connection, self._sftp = self._connection, None, None
        if connection is None or self._loop is None:
            return

        async def disconnect() -> None:
            if not polite:
                connection.abort()
                return
            connection.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.wait_closed(), 5)

        with contextlib.suppress(Exception):
            self._loop.run(disconnect())

    # transfers ---------------------------------------------------------------------------------------------
    async def _upload(self, sftp: asyncssh.SFTPClient, local: Path, remote: str) -> int:
        try:
            source = local.open("rb")
        except OSError as problem:
            raise FatalError(f"cannot read {local}: {problem.strerror}") from None
        pending: deque[asyncio.Future[int]] = deque()
        with source:
            try:
                async with sftp.open(remote, "wb") as target:
                    offset = 0
                    try:
                        while data := _read(source, local):
                            if len(pending) >= DEPTH:
                                await pending.popleft()
                                self._touch()
                            pending.append(asyncio.ensure_future(target.write(data, offset)))
                            offset += len(data)
                        while pending:
                            await pending.popleft()
                            self._touch()
                    except (asyncssh.SFTPConnectionLost, asyncssh.SFTPNoConnection):
                        raise
                    except asyncssh.SFTPError as problem:  # e.g. no space left: the target is now partial
                        raise RemoteError(_reason(problem), problem.code, partial=True) from None
            finally:
                for future in pending:
                    future.cancel()
        return offset

    async def _download(self, sftp: asyncssh.SFTPClient, remote: str, local: Path) -> int:
        """Read chunks ahead up to the size the file has when opened (no request past its end), write in order."""
        pending: deque[asyncio.Future[bytes]] = deque()
        async with sftp.open(remote, "rb") as source:
            size = (await source.stat()).size
            depth = DEPTH if size is not None else 1  # unknown size: one chunk at a time until a short read
            try:
                target = local.open("wb")
            except OSError as problem:
                raise FatalError(f"cannot write {local}: {problem.strerror}") from None
            with target:
                try:
                    offset = written = 0
                    end = False
                    while True:
                        while not end and len(pending) < depth and (size is None or offset < size):
                            pending.append(asyncio.ensure_future(source.read(CHUNK, offset)))
                            offset += CHUNK
                        if not pending:
                            break
                        data = await pending.popleft()
                        self._touch()
                        if not end:
                            _write(target, local, data)
                            written += len(data)
                        end = end or len(data) < CHUNK  # the file ended (or shrank since it was opened)
                finally:
                    for future in pending:
                        future.cancel()
        return written


async def _replace(sftp: asyncssh.SFTPClient, old: str, new: str) -> None:
    try:
        await sftp.posix_rename(old, new)
    except asyncssh.SFTPOpUnsupported:  # plain SFTP v3 rename refuses to replace: remove first
        with contextlib.suppress(asyncssh.SFTPNoSuchFile):
            await sftp.remove(new)
        await sftp.rename(old, new)


def _read(source: Any, path: Path) -> bytes:
    try:
        return source.read(CHUNK)
    except OSError as problem:
        raise FatalError(f"cannot read {path}: {problem.strerror}") from None


def _write(target: Any, path: Path, data: bytes) -> None:
    try:
        target.write(data)
    except OSError as problem:
        raise FatalError(f"cannot write {path}: {problem.strerror}") from None


def _reason(problem: asyncssh.SFTPError) -> str:
    return str(problem.reason).strip().rstrip(".").lower() or "refused by the server"


def _describe_os_error(problem: BaseException) -> str:
    if isinstance(problem, TimeoutError):
        return "timed out"
    if isinstance(problem, OSError) and problem.errno:  # asyncio's "Connect call failed (...)" hides the reason
        return os.strerror(problem.errno).lower()
    if isinstance(problem, OSError) and problem.strerror:
        return problem.strerror.lower()
    return str(problem) or type(problem).__name__
