"""A real OpenSSH ``sshd`` on a loopback port, for tests of SFTP components (ours and Silverpop's).

Why a real sshd and not a Python server: the components must work against what customers run, with its
host-key formats, its permission errors and its rename semantics. Debian's ``sshd -D -e`` runs in the
foreground as a child of the test process; ``stop`` (or :func:`running`, or interpreter exit) ends it.

What a server offers:

- fresh host keys: ed25519 (``host_public_key``, ``host_key_fingerprint``, ``known_hosts_line``) and ECDSA
  (``other_host_public_keys``), so a test can pin a key the client does not ask for first;
- a fresh ed25519 client key (``client_private_key``) authorised for the test user;
- when the tests run as root and ``useradd`` exists: a throwaway system user ``dfsftp-XXXXXXXX`` with a random
  password (``password``), no shell (``ForceCommand internal-sftp``), removed on stop. Otherwise key login
  as the current user only (``password`` is ``None``; root ignores file permissions, so ``can_deny`` is False);
- the user's home (``home``), where relative remote paths start. ``mkdir``/``local`` map remote paths to the
  local files behind them, so a test can put files there or look at what arrived; a file a test creates
  there belongs to root until ``own(path)`` gives it to the SFTP user;
- ``params(remote_path)``: the params of an SFTP step that logs in with the key and pins the host key;
  ``example_params(example)``: a schema example pointed at this server (for the conformance suite);
- ``frozen_sessions()``: the open connections stop answering (SIGSTOP), as with a hung server.

Only ``127.0.0.1`` is listened on, and only the test user may log in.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import getpass
import hashlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SSHD = Path("/usr/sbin/sshd")
SSH_KEYGEN = shutil.which("ssh-keygen") or "/usr/bin/ssh-keygen"
START_TIMEOUT = 10.0
SFTP_SERVER = "internal-sftp"


def available() -> str | None:
    """Why no server can be started here, or None when one can."""
    if not SSHD.is_file():
        return f"{SSHD} is missing (install the openssh-server package)"
    if not Path(SSH_KEYGEN).is_file():
        return "ssh-keygen is missing (install the openssh-client package)"
    return None


def fingerprint(public_key_line: str) -> str:
    """``SHA256:…`` of a public key line (``ssh-ed25519 AAAA… comment``), as ``ssh-keygen -l`` prints it."""
    blob = base64.b64decode(public_key_line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


@dataclass
class SshdServer:
    host: str
    port: int
    username: str
    password: str | None = field(repr=False)
    home: Path
    host_public_key: str  # "ssh-ed25519 AAAA…"
    client_private_key: str = field(repr=False)  # OpenSSH PEM text
    client_public_key: str
    root: Path
    log_path: Path
    other_host_public_keys: list[str] = field(default_factory=list)  # an ECDSA key, offered besides ed25519
    uid: int | None = None
    gid: int | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    created_user: bool = False

    @property
    def host_key_fingerprint(self) -> str:
        return fingerprint(self.host_public_key)

    @property
    def known_hosts_line(self) -> str:
        """The line ``ssh-keyscan -p PORT 127.0.0.1`` would print (``[host]:port`` form for a non-22 port)."""
        return f"[{self.host}]:{self.port} {self.host_public_key}"

    @property
    def can_deny(self) -> bool:
        """True when the SFTP user is not root, so file permissions really apply to it."""
        return self.username != "root"

    def params(self, remote_path: str = ".", **extra: Any) -> dict[str, Any]:
        """Connection params for an SFTP step: key login, host key pinned by fingerprint."""
        return {
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "privateKey": self.client_private_key,
            "hostKeyFingerprint": self.host_key_fingerprint,
            "remotePath": remote_path,
            **extra,
        }

    def example_params(self, example: dict[str, Any], sample_file: str | None = None) -> dict[str, Any]:
        """A documented example's params pointed at this server and a fresh, empty remote directory.

        For suites that run every component's examples (the conformance suite): connection, login and host
        key come from this server; ``sample_file`` (e.g. ``"UID\\nu1\\n"``) puts ``sample.csv`` in the directory.
        """
        remote = f"example-{secrets.token_hex(4)}"
        directory = self.mkdir(remote)
        if sample_file is not None:
            (directory / "sample.csv").write_text(sample_file)
            self.own(directory / "sample.csv")
        found = {key: value for key, value in example.items() if key not in ("knownHosts", "hostKey", "password")}
        return {**found, **self.params(remote)}

    def local(self, remote_path: str) -> Path:
        """The local path behind a remote path (relative paths start at the user's home)."""
        path = Path(remote_path)
        return path if path.is_absolute() else self.home / path

    def mkdir(self, remote_path: str, mode: int = 0o755) -> Path:
        """Create a remote directory owned by the SFTP user; returns its local path."""
        path = self.local(remote_path)
        path.mkdir(parents=True, exist_ok=True)
        self.own(path)
        path.chmod(mode)
        return path

    def own(self, path: Path) -> None:
        if self.uid is not None and os.geteuid() == 0:
            os.chown(path, self.uid, self.gid if self.gid is not None else -1)

    def log(self) -> str:
        """What sshd said on stderr so far (for assertion messages)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def session_pids(self) -> list[int]:
        """Processes serving the connections open now (the listener's descendants)."""
        if self.process is None:
            return []
        found, queue = [], [self.process.pid]
        while queue:
            children = _children(queue.pop())
            found += children
            queue += children
        return found

    @contextlib.contextmanager
    def frozen_sessions(self) -> Iterator[list[int]]:
        """Make the connections open now stop answering (SIGSTOP), as a hung server or network would; new
        connections are served as usual. The sessions resume on exit."""
        pids = self.session_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        try:
            yield pids
        finally:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def stop(self) -> None:
        """Stop the listener and the sessions it forked (by their pids), then remove the user and the files."""
        if self.process is not None and self.process.poll() is None:
            sessions = _children(self.process.pid)
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            for pid in sessions:  # a client still connected keeps its session process (and the user) busy
                _end(pid)
        self.process = None
        if self.created_user:
            for _attempt in range(50):  # userdel refuses while a process of the user is still exiting
                if subprocess.run(["userdel", self.username], check=False, capture_output=True).returncode in (0, 6):
                    break
                time.sleep(0.1)
            self.created_user = False
        shutil.rmtree(self.root, ignore_errors=True)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent (init in a container may never reap it)."""
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _end(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if not _alive(pid):
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)


def _keygen(path: Path, comment: str, kind: str = "ed25519") -> tuple[str, str]:
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", kind, "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path.read_text(), path.with_suffix(".pub").read_text().strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _create_user(home: Path) -> tuple[str, str, int, int] | None:
    """A throwaway system user with a random password, or None when this machine cannot make one."""
    if os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("chpasswd"):
        return None
    name = f"dfsftp-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(18)
    made = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--home-dir", str(home), "--shell", "/usr/sbin/nologin", name],
        capture_output=True,
    )
    if made.returncode != 0:
        return None
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n".encode(), check=True, capture_output=True)
    entry = pwd.getpwnam(name)
    return name, password, entry.pw_uid, entry.pw_gid


def _config(root: Path, username: str, host_keys: list[Path]) -> str:
    lines = [
        "ListenAddress 127.0.0.1",
        *(f"HostKey {path}" for path in host_keys),
        f"PidFile {root / 'ssh' / 'sshd.pid'}",
        f"AuthorizedKeysFile {root / 'ssh' / 'keys' / '%u'}",
        "StrictModes no",  # the keys live under /tmp
        "UsePAM no",
        "PubkeyAuthentication yes",
        "PasswordAuthentication yes",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        f"AllowUsers {username}",
        "MaxStartups 50:30:100",
        "LogLevel VERBOSE",
        f"Subsystem sftp {SFTP_SERVER}",
        f"Match User {username}",
        f"    ForceCommand {SFTP_SERVER}",
        "    AllowTcpForwarding no",
        "    X11Forwarding no",
    ]
    return "\n".join(lines) + "\n"


def _wait_ready(server: SshdServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"sshd exited with {server.process.returncode}: {server.log()}")
        with contextlib.suppress(OSError), socket.create_connection((server.host, server.port), timeout=1) as probe:
            if probe.recv(64).startswith(b"SSH-"):
                return
        time.sleep(0.05)
    raise RuntimeError(f"sshd did not answer on port {server.port}: {server.log()}")


def start(user: bool = True) -> SshdServer:
    """Start a server; the caller stops it (``stop``), or use :func:`running`.

    ``user=False`` skips the throwaway user and logs in as the current user (key only).
    """
    reason = available()
    if reason:
        raise RuntimeError(reason)
    root = Path(tempfile.mkdtemp(prefix="dataflow-sftp-"))
    root.chmod(0o755)  # the test user must reach its home inside
    (root / "ssh" / "keys").mkdir(parents=True)
    home = root / "home"
    home.mkdir()
    made = _create_user(home) if user else None
    if made:
        username, password, uid, gid = made
    else:
        username, password, uid, gid = getpass.getuser(), None, None, None
    _, host_public = _keygen(root / "ssh" / "host_ed25519", "dataflow-test-host")
    _, host_ecdsa_public = _keygen(root / "ssh" / "host_ecdsa", "dataflow-test-host", "ecdsa")
    client_private, client_public = _keygen(root / "ssh" / "client_ed25519", "dataflow-test-client")
    keys = root / "ssh" / "keys" / username
    keys.write_text(client_public + "\n")
    server = SshdServer(
        host="127.0.0.1",
        port=0,
        username=username,
        password=password,
        home=home,
        host_public_key=" ".join(host_public.split()[:2]),
        other_host_public_keys=[" ".join(host_ecdsa_public.split()[:2])],
        client_private_key=client_private,
        client_public_key=client_public,
        root=root,
        log_path=root / "sshd.log",
        uid=uid,
        gid=gid,
        created_user=bool(made),
    )
    atexit.register(server.stop)  # a crashed script must not leave the user or the daemon behind
    server.own(home)
    server.own(keys)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)  # privilege-separation directory
    config = root / "ssh" / "sshd_config"
    config.write_text(_config(root, username, [root / "ssh" / "host_ed25519", root / "ssh" / "host_ecdsa"]))
    for _attempt in range(5):  # the port probed free may be taken before sshd binds it
        server.port = _free_port()
        with server.log_path.open("ab") as log:
            server.process = subprocess.Popen(
                [str(SSHD), "-D", "-e", "-f", str(config), "-p", str(server.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        try:
            _wait_ready(server)
            return server
        except RuntimeError:
            if server.process.poll() is None:
                server.process.terminate()
                server.process.wait(5)
            if "Address already in use" not in server.log():
                server.stop()
                raise
    server.stop()
    raise RuntimeError("sshd found no free port")


@contextlib.contextmanager
def running(user: bool = True) -> Iterator[SshdServer]:
    server = start(user=user)
    try:
        yield server
    finally:
        server.stop()
