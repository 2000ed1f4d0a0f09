"""The SFTP side: an asyncssh server chrooted to the sandbox's data directory (``upload/``, ``download/``).

It runs its own asyncio loop in a background thread, so the rest of the sandbox stays synchronous. Logins are
password only, as Acoustic's are: the configured user and password, or the user ``oauth`` with a currently
valid access token as the password (silverpop.md §2.1). The chroot makes ``/download/x`` and ``download/x`` the
same file, which node-engage and the PHP connector respectively rely on. Shell, exec and forwarding are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable
from pathlib import Path

import asyncssh
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

PasswordCheck = Callable[[str, str], bool]


def seeded_host_key(secret: bytes) -> asyncssh.SSHKey:
    """An Ed25519 host key made from 32 seed-derived bytes: the same seed always shows the same fingerprint, so
    a flow can pin the sandbox's key once (it is a loopback stand-in; the private key is no secret)."""
    private = Ed25519PrivateKey.from_private_bytes(secret[:32])
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
    return asyncssh.import_private_key(pem)


class _SSHServer(asyncssh.SSHServer):
    def __init__(self, check: PasswordCheck, connections: set[asyncssh.SSHServerConnection]) -> None:
        self._check = check
        self._connections = connections
        self._connection: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._connection = conn
        self._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._connection is not None:
            self._connections.discard(self._connection)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return self._check(username, password)


class SFTPService:
    """Start/stop an SFTP server on ``host:port`` (0 = a free port) in a thread of its own."""

    def __init__(
        self,
        root: Path,
        check: PasswordCheck,
        host: str = "127.0.0.1",
        port: int = 0,
        host_key: asyncssh.SSHKey | None = None,
    ) -> None:
        self.root = root
        self.host = host
        self.port = port
        self._check = check
        self._host_key = host_key or asyncssh.generate_private_key("ssh-ed25519")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._connections: set[asyncssh.SSHServerConnection] = set()

    def start(self, timeout: float = 30.0) -> None:
        self._thread = threading.Thread(target=self._run, name="silverpop-sftp", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the SFTP server did not start in time")
        if isinstance(self._error, OSError):
            raise self._error
        if self._error is not None:
            raise RuntimeError(f"the SFTP server did not start: {self._error}") from self._error

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            acceptor = loop.run_until_complete(self._listen())
        except BaseException as problem:  # reported to start(); the thread must not die silently
            self._error = problem
            loop.close()  # before start() hears of it: stop() must not find a loop on its way to closing
            self._ready.set()
            return
        self.port = acceptor.get_port()
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            acceptor.close()
            for connection in list(self._connections):
                connection.close()
            loop.run_until_complete(acceptor.wait_closed())
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    async def _listen(self) -> asyncssh.SSHAcceptor:
        return await asyncssh.create_server(
            functools.partial(_SSHServer, self._check, self._connections),
            self.host,
            self.port,
            server_host_keys=[self._host_key],
            sftp_factory=functools.partial(asyncssh.SFTPServer, chroot=str(self.root)),
            allow_scp=False,
        )

    @property
    def host_public_key(self) -> str:
        """The server's public host key in OpenSSH form, for clients' known_hosts."""
        return self._host_key.export_public_key("openssh").decode().strip()

    @property
    def host_fingerprint(self) -> str:
        """``SHA256:…``, as ``ssh-keygen -lf`` prints it."""
        return self._host_key.get_fingerprint("sha256")

    def stop(self) -> None:
        """Stop serving; also safe after a failed start (a busy port), whose loop is already closed."""
        thread, self._thread = self._thread, None
        loop = self._loop
        if thread is None or loop is None:
            return
        if not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call
                loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
