"""datasource.read.sftp / datasource.write.sftp against a real OpenSSH sshd (see ``conftest.py``)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from dataflow.component import Component
from dataflow.errors import FatalError, JobKilled
from dataflow.files import FileRef
from dataflow.registry import Registry
from dataflow.testing import build_component, drive, read_all
from steps.storage.sftp_session import SftpAuthError, SftpUnavailable
from steps.storage.ssh_keys import SITE_KNOWN_HOSTS
from tests.helpers import assert_reconciled, run_flow, step, validate_flow
from tests.sftp.sshd import SshdServer, fingerprint
from tests.sftp.watch import DirectoryEvents

READ = "datasource.read.sftp"
WRITE = "datasource.write.sftp"
WRONG_FINGERPRINT = "SHA256:" + "A" * 43


def _build(type_name: str, params: dict[str, Any], tmp_path: Path, registry: Registry, **job: Any) -> Component:
    return build_component(type_name, params, tmp_path / "work", registry=registry, **job)


def _remote_files(server: SshdServer, directory: Path, names: list[str]) -> None:
    """Files on the server; the first named is the newest."""
    for index, name in enumerate(names):
        path = directory / name
        path.write_text(f"content of {name}\n")
        server.own(path)
        os.utime(path, (1_700_000_000 + (len(names) - index) * 10,) * 2)


def _trace(component: Component) -> str:
    return "\n".join(component.context.job.trace.snapshot())


# reading ---------------------------------------------------------------------------------------------------
def test_read_selects_by_full_regex_and_sorts(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, local = remote_dir
    _remote_files(sshd_server, local, ["b.csv", "a.csv", "c.txt", "x.csv.bak"])
    (local / "folder.csv").mkdir()  # directories are never emitted

    def names(**params: Any) -> list[str]:
        files = read_all(_build(READ, sshd_server.params(remote, **params), tmp_path, sftp_registry))
        for file in files:
            assert file.path.read_text() == f"content of {file.name}\n"
            assert file.size == file.path.stat().st_size
        return [file.name for file in files]

    assert names(fileNameRegex=r".*\.csv", sortBy="name") == ["a.csv", "b.csv"]
    assert names(fileNameRegex=r".*\.csv", sortBy="time", sortOrder="DESC") == ["b.csv", "a.csv"]
    assert names(sortBy="name", sortOrder="desc") == ["x.csv.bak", "c.txt", "b.csv", "a.csv"]
    assert names() == ["x.csv.bak", "c.txt", "a.csv", "b.csv"]  # default: oldest first
    assert names(fileNameRegex="csv") == []  # the whole name must match


def test_read_downloads_one_file_per_batch_lazily(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, local = remote_dir
    _remote_files(sshd_server, local, ["3.csv", "2.csv", "1.csv"])
    component = _build(READ, sshd_server.params(remote, sortBy="name"), tmp_path, sftp_registry)
    batches = component.source()
    first = next(batches)
    assert [f.name for f in first] == ["1.csv"]
    assert sorted(p.name for p in component.context.work_dir.iterdir()) == ["1.csv"]  # nothing fetched ahead
    assert [[f.name for f in batch] for batch in batches] == [["2.csv"], ["3.csv"]]
    component.close()
    assert component.counters.as_dict(True)["filesOut"] == 3


def test_read_a_large_file_streams_it_intact(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, local = remote_dir
    payload = os.urandom((5 << 20) + 12345)  # several chunks and a short tail
    (local / "big.bin").write_bytes(payload)
    (local / "empty.bin").write_bytes(b"")
    files = read_all(_build(READ, sshd_server.params(remote, sortBy="name"), tmp_path, sftp_registry))
    assert [(f.name, f.size) for f in files] == [("big.bin", len(payload)), ("empty.bin", 0)]
    assert files[0].path.read_bytes() == payload


def test_read_password_login(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    if sshd_server.password is None:
        pytest.skip("the fixture could not create a user with a password (needs root and useradd)")
    remote, local = remote_dir
    _remote_files(sshd_server, local, ["a.csv"])
    params = sshd_server.params(remote)
    del params["privateKey"]
    component = _build(READ, {**params, "password": sshd_server.password}, tmp_path, sftp_registry)
    assert [f.name for f in read_all(component)] == ["a.csv"]
    assert "with password;" in _trace(component)
    assert sshd_server.password not in _trace(component)


def test_read_with_an_encrypted_key_and_its_passphrase(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, local = remote_dir
    _remote_files(sshd_server, local, ["a.csv"])
    key = tmp_path / "id_ed25519"
    key.write_text(sshd_server.client_private_key)
    key.chmod(0o600)
    passphrase = "correct horse battery staple"
    subprocess.run(["ssh-keygen", "-q", "-p", "-P", "", "-N", passphrase, "-f", str(key)], check=True)
    params = sshd_server.params(remote, privateKey=key.read_text())
    component = _build(READ, {**params, "passphrase": passphrase}, tmp_path, sftp_registry)
    assert [f.name for f in read_all(component)] == ["a.csv"]
    wrong = _build(READ, {**params, "passphrase": "not the passphrase"}, tmp_path, sftp_registry)
    with pytest.raises(FatalError, match="passphrase is wrong") as caught:
        read_all(wrong)
    assert "not the passphrase" not in str(caught.value)


def test_read_missing_directory_is_fatal(sshd_server: SshdServer, sftp_registry: Registry, tmp_path: Path) -> None:
    component = _build(READ, sshd_server.params("no/such/dir"), tmp_path, sftp_registry)
    with pytest.raises(FatalError, match=r"cannot list no/such/dir on 127\.0\.0\.1:\d+: no such file"):
        read_all(component)


# writing ---------------------------------------------------------------------------------------------------
def _local_files(tmp_path: Path, contents: dict[str, bytes]) -> list[FileRef]:
    directory = tmp_path / "outgoing"
    directory.mkdir(exist_ok=True)
    files = []
    for name, content in contents.items():
        path = directory / name
        path.write_bytes(content)
        files.append(FileRef.of(path))
    return files


def test_write_uploads_under_the_sanitised_name_and_passes_files_on(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, local = remote_dir
    (local / "report.csv").write_text("old version, longer than the new one\n")
    sshd_server.own(local / "report.csv")
    files = _local_files(tmp_path, {"report.csv": b"a,b\n1,2\n", "other.csv": b"x\n"})
    escaping = FileRef(name="../../escape.csv", path=files[1].path, size=files[1].size)
    unusable = FileRef(name="..", path=files[1].path, size=files[1].size)
    component = _build(WRITE, sshd_server.params(remote), tmp_path, sftp_registry)
    emitted, rejected = drive(component, [[files[0], escaping], [unusable, files[1]]])
    assert emitted == [files[0], escaping, files[1]]  # the same handles, passed on
    assert [(item.name, message) for item, message, _ in rejected] == [
        ("..", "file name '..' cannot be used on an SFTP server")
    ]
    assert sorted(p.name for p in local.iterdir()) == ["escape.csv", "other.csv", "report.csv"]
    assert (local / "report.csv").read_bytes() == b"a,b\n1,2\n"  # replaced, not appended to
    assert not (local.parent / "escape.csv").exists()
    counts = component.counters.as_dict(True)
    assert counts == {"in": 4, "out": 3, "errors": 1, "filtered": 0, "added": 0, "filesIn": 4, "filesOut": 3}


def test_write_via_temporary_name_never_shows_a_partial_final_name(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, local = remote_dir
    payload = os.urandom(64 << 20)
    (local / "big.bin").write_bytes(b"previous")
    (big,) = _local_files(tmp_path, {"big.bin": payload})
    component = _build(WRITE, sshd_server.params(remote, temporaryUploadExtension=True), tmp_path, sftp_registry)
    seen: list[tuple[str, int]] = []
    done = threading.Event()

    def poll() -> None:  # a consumer listing the directory as fast as it can
        while not done.is_set():
            for entry in os.scandir(local):
                with contextlib.suppress(FileNotFoundError):
                    seen.append((entry.name, entry.stat().st_size))

    watcher = threading.Thread(target=poll)
    with DirectoryEvents(local) as events:
        watcher.start()
        try:
            emitted, rejected = drive(component, [[big]])
        finally:
            done.set()
            watcher.join()
        happened = events.events()
    assert rejected == [] and emitted == [big]
    assert (local / "big.bin").read_bytes() == payload
    assert sorted(p.name for p in local.iterdir()) == ["big.bin"]  # no temporary file left
    on_final = [event for event, name in happened if name == "big.bin"]
    assert on_final == ["moved_to"], happened[:20]  # never created or written under its final name
    temporary = {name for _, name in happened if name != "big.bin"}
    assert len(temporary) == 1 and re.fullmatch(r"big\.bin\.[0-9a-f]{8}\.tmp", temporary.pop())
    assert next(event for event, name in happened if name != "big.bin") == "create"
    assert {size for name, size in seen if name == "big.bin"} <= {len(b"previous"), len(payload)}
    assert any(name.endswith(".tmp") for name, _ in seen), "the poller never overlapped the upload"


def test_write_directly_creates_the_final_name(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    """IdentitySync's default: without temporaryUploadExtension the final name is written in place."""
    remote, local = remote_dir
    (report,) = _local_files(tmp_path, {"report.csv": b"a\n" * 1000})
    component = _build(WRITE, sshd_server.params(remote), tmp_path, sftp_registry)
    with DirectoryEvents(local) as events:
        drive(component, [[report]])
        happened = events.events()
    assert ("create", "report.csv") in happened
    assert not any(name.endswith(".tmp") for _, name in happened)


def test_write_refused_by_the_server_fails_that_file_only(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    if not sshd_server.can_deny:
        pytest.skip("the SFTP user is root, whom file permissions do not stop")
    remote, local = remote_dir
    (local / "locked.csv").write_text("keep me\n")
    (local / "locked.csv").chmod(0o444)
    sshd_server.own(local / "locked.csv")
    locked_dir = sshd_server.mkdir(f"{remote}/readonly", mode=0o555)
    files = _local_files(tmp_path, {"locked.csv": b"new\n", "fine.csv": b"ok\n"})
    for temporary in (False, True):
        params = sshd_server.params(remote, temporaryUploadExtension=temporary)
        component = _build(WRITE, params, tmp_path, sftp_registry)
        emitted, rejected = drive(component, [files])
        reasons = [(item.name, message, details) for item, message, details in rejected]
        if temporary:  # the rename over a read-only file is allowed by POSIX: the directory is writable
            assert reasons == [] and (local / "locked.csv").read_text() == "new\n"
        else:
            assert reasons == [
                (
                    "locked.csv",
                    f"cannot upload locked.csv to {remote} on 127.0.0.1:{sshd_server.port}: permission denied",
                    {"fileName": "locked.csv", "remotePath": f"{remote}/locked.csv"},
                )
            ]
            assert (local / "locked.csv").read_text() == "keep me\n"  # untouched, not removed
        assert [f.name for f in emitted] == (["locked.csv", "fine.csv"] if temporary else ["fine.csv"])
        assert component.counters.reconciles()
    into_readonly = _build(
        WRITE, sshd_server.params(f"{remote}/readonly", temporaryUploadExtension=True), tmp_path, sftp_registry
    )
    emitted, rejected = drive(into_readonly, [files])
    assert emitted == [] and [message.rsplit(": ", 1)[1] for _, message, _ in rejected] == ["permission denied"] * 2
    assert list(locked_dir.iterdir()) == []


def test_write_into_a_missing_directory_fails_the_job(
    sshd_server: SshdServer, sftp_registry: Registry, tmp_path: Path
) -> None:
    files = _local_files(tmp_path, {"a.csv": b"x\n"})
    component = _build(WRITE, sshd_server.params("no/such/dir"), tmp_path, sftp_registry)
    with pytest.raises(FatalError, match=r"remote directory no/such/dir does not exist on 127\.0\.0\.1:\d+"):
        drive(component, [files])


def test_write_without_files_never_connects(sshd_server: SshdServer, sftp_registry: Registry, tmp_path: Path) -> None:
    params = sshd_server.params("upload", port=1)  # nothing listens there
    component = _build(WRITE, params, tmp_path, sftp_registry)
    assert drive(component, [[]]) == ([], [])


# connections and host keys ---------------------------------------------------------------------------------------
def test_a_dropped_connection_is_reopened_and_the_file_retried(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, local = remote_dir
    first, second = _local_files(tmp_path, {"1.csv": b"one\n", "2.csv": b"two\n"})
    component = _build(WRITE, sshd_server.params(remote), tmp_path, sftp_registry)
    assert list(component.feed([first]))
    session = component.session
    assert session._loop is not None and session._connection is not None
    session._loop.loop.call_soon_threadsafe(session._connection.abort)  # the network drops it
    time.sleep(0.2)
    assert list(component.feed([second]))
    component.close()
    assert session.connections == 2
    assert (local / "2.csv").read_bytes() == b"two\n"
    assert "retrying in" in _trace(component)


def test_a_stalled_transfer_times_out_and_is_retried(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, local = remote_dir
    first, second = _local_files(tmp_path, {"1.csv": b"one\n", "2.bin": os.urandom(3 << 20)})
    params = sshd_server.params(remote, timeout=1, temporaryUploadExtension=True)
    component = _build(WRITE, params, tmp_path, sftp_registry)
    assert list(component.feed([first]))
    started = time.monotonic()
    with sshd_server.frozen_sessions() as frozen:
        assert frozen, "the writer's connection should be open"
        assert list(component.feed([second]))
        elapsed = time.monotonic() - started
        assert (local / "2.bin").read_bytes() == second.path.read_bytes()
    time.sleep(0.3)  # the stalled session resumes and carries out what it had received: its own file only
    component.close()
    assert 1 <= elapsed < 5
    assert (local / "2.bin").read_bytes() == second.path.read_bytes()
    assert "no answer for 1 s; retrying in" in _trace(component)


def test_killing_the_job_stops_a_hung_transfer(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, _ = remote_dir
    first, second = _local_files(tmp_path, {"1.csv": b"one\n", "2.bin": os.urandom(3 << 20)})
    component = _build(WRITE, sshd_server.params(remote), tmp_path, sftp_registry)  # timeout 60 s
    assert list(component.feed([first]))
    cancel = component.context.job.cancel_event
    with sshd_server.frozen_sessions():
        threading.Timer(0.3, cancel.set).start()
        started = time.monotonic()
        with pytest.raises(JobKilled):
            list(component.feed([second]))
        assert time.monotonic() - started < 3
    component.close()


def test_an_unreachable_server_is_retried_then_fails_the_job(sftp_registry: Registry, tmp_path: Path) -> None:
    params = {
        "host": "127.0.0.1",
        "port": 1,
        "username": "nobody",
        "password": "irrelevant-password",
        "hostKeyFingerprint": WRONG_FINGERPRINT,
    }
    component = _build(READ, params, tmp_path, sftp_registry)
    with pytest.raises(SftpUnavailable, match=r"nobody@127\.0\.0\.1:1 failed: connection refused \(gave up after 4"):
        read_all(component)
    assert _trace(component).count("retrying in") == 3


def test_wrong_password_fails_at_once_without_saying_it(
    sshd_server: SshdServer, sftp_registry: Registry, tmp_path: Path
) -> None:
    params = sshd_server.params("upload")
    del params["privateKey"]
    component = _build(READ, {**params, "password": "hunter2-wrong"}, tmp_path, sftp_registry)
    with pytest.raises(SftpAuthError, match=r"authentication failed for .*: the server refused the password") as caught:
        read_all(component)
    assert "hunter2-wrong" not in str(caught.value)
    assert "retrying" not in _trace(component)


def test_host_key_mismatch_fails_naming_host_and_both_fingerprints(
    sshd_server: SshdServer, sftp_registry: Registry, tmp_path: Path
) -> None:
    component = _build(
        READ, sshd_server.params("upload", hostKeyFingerprint=WRONG_FINGERPRINT), tmp_path, sftp_registry
    )
    with pytest.raises(FatalError) as caught:
        read_all(component)
    message = str(caught.value)
    assert message.startswith(f"host key mismatch for 127.0.0.1:{sshd_server.port}: the server presented ssh-ed25519 ")
    assert sshd_server.host_key_fingerprint in message and WRONG_FINGERPRINT in message
    assert "retrying" not in _trace(component)
    assert sshd_server.client_private_key not in message


@pytest.mark.parametrize("kind", ["ssh-ed25519", "ssh-rsa"])  # the server has no RSA key at all
def test_known_hosts_with_another_key_is_a_mismatch(
    kind: str, sshd_server: SshdServer, sftp_registry: Registry, tmp_path: Path
) -> None:
    impostor = asyncssh.generate_private_key(kind).export_public_key().decode().strip()
    params = sshd_server.params("upload")
    del params["hostKeyFingerprint"]
    known = f"[127.0.0.1]:{sshd_server.port} {impostor}\n"
    component = _build(READ, {**params, "knownHosts": known}, tmp_path, sftp_registry)
    with pytest.raises(FatalError, match=f"host key mismatch for 127.0.0.1:{sshd_server.port}") as caught:
        read_all(component)
    assert sshd_server.host_key_fingerprint in str(caught.value)
    assert f"knownHosts expects {kind} {fingerprint(impostor)}" in str(caught.value)
    assert "retrying" not in _trace(component)


@pytest.mark.parametrize("setting", ["knownHosts", "hostKey", "ecdsaFingerprint", "siteFile"])
def test_each_way_of_naming_the_host_key_is_accepted(
    setting: str, sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, local = remote_dir
    _remote_files(sshd_server, local, ["a.csv"])
    params = sshd_server.params(remote)
    del params["hostKeyFingerprint"]
    environ: dict[str, str] = {}
    if setting == "knownHosts":
        params["knownHosts"] = f"# pinned\n{sshd_server.known_hosts_line}\n"
    elif setting == "hostKey":
        params["hostKey"] = sshd_server.host_public_key
    elif setting == "ecdsaFingerprint":  # not the key the client asks for first
        params["hostKeyFingerprint"] = fingerprint(sshd_server.other_host_public_keys[0])
    else:
        site = tmp_path / "known_hosts"
        site.write_text(sshd_server.known_hosts_line + "\n")
        environ[SITE_KNOWN_HOSTS] = str(site)
    component = _build(READ, params, tmp_path, sftp_registry, environ=environ)
    assert [f.name for f in read_all(component)] == ["a.csv"]
    assert "matches" in _trace(component)


# validation and whole flows ----------------------------------------------------------------------------------------
def _flow(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"name": "sftp test", "steps": list(steps)}


def test_a_step_without_host_key_settings_does_not_validate(
    sftp_registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    params = {"host": "sftp.example.com", "username": "u", "password": "p4ssword", "remotePath": "in"}
    flow = _flow(step("get", READ, params))
    validated = validate_flow(flow, components=sftp_registry)
    assert not validated.ok
    (finding,) = validated.diagnostics
    assert finding.step_id == "get"
    assert "no host key configured for sftp.example.com" in finding.message
    assert "ssh-keyscan -p 22 sftp.example.com | ssh-keygen -lf -" in finding.message
    no_login = validate_flow(
        _flow(step("put", WRITE, {"host": "h", "username": "u", "hostKeyFingerprint": WRONG_FINGERPRINT})),
        components=sftp_registry,
    )
    assert "set password or privateKey: the server needs one of them to log in" in [
        d.message for d in no_login.diagnostics
    ]
    monkeypatch.setenv(SITE_KNOWN_HOSTS, str(tmp_path / "known_hosts"))
    assert validate_flow(flow, components=sftp_registry).ok


def test_flow_local_files_to_sftp(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, local = remote_dir
    source = tmp_path / "in"
    source.mkdir()
    for name in ("a.csv", "b.csv", "skip.txt"):
        (source / name).write_text(f"{name}\n")
    flow = _flow(
        step("files", "datasource.read.file", {"path": str(source), "fileNameRegex": r".*\.csv"}, next=["upload"]),
        step("upload", WRITE, sshd_server.params(remote, temporaryUploadExtension=True)),
    )
    status = run_flow(flow, tmp_path, components=sftp_registry, environ={})
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert_reconciled(status)
    assert status["counters"]["upload"] == {
        "in": 2, "out": 2, "errors": 0, "filtered": 0, "added": 0, "filesIn": 2, "filesOut": 2,
    }  # fmt: skip
    assert sorted(p.name for p in local.iterdir()) == ["a.csv", "b.csv"]
    assert sshd_server.client_private_key.splitlines()[1] not in json.dumps(status)


def test_flow_sftp_csv_through_dsv_to_local_file(
    sshd_server: SshdServer, remote_dir: tuple[str, Path], sftp_registry: Registry, tmp_path: Path
) -> None:
    remote, local = remote_dir
    (local / "accounts_1.csv").write_text("UID,EMAIL\nu1,a@example.com\nu2,b@example.com\nu3,c@example.com\n")
    (local / "accounts_2.csv").write_text("UID,EMAIL\nu4,d@example.com\nu5,e@example.com\n")
    (local / "notes.txt").write_text("not for the flow\n")
    out = tmp_path / "out"
    if sshd_server.password is not None:  # log in with the password: it must not show anywhere
        params = sshd_server.params(remote, fileNameRegex=r"accounts_\d+\.csv", sortBy="name")
        del params["privateKey"]
        params["password"] = sshd_server.password
    else:
        params = sshd_server.params(remote, fileNameRegex=r"accounts_\d+\.csv", sortBy="name")
    flow = _flow(
        step("download", READ, params, next=["parse"]),
        step("parse", "file.parse.dsv", {"columnSeparator": ","}, next=["format"]),
        step("format", "file.format.dsv", {"fileName": "accounts.csv", "columnSeparator": "|"}, next=["save"]),
        step("save", "datasource.write.file", {"path": str(out)}),
    )
    status = run_flow(flow, tmp_path, components=sftp_registry, environ={})
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert_reconciled(status)
    counters = status["counters"]
    assert counters["download"]["filesOut"] == 2
    assert (counters["parse"]["in"], counters["parse"]["out"], counters["parse"]["filesIn"]) == (5, 5, 2)
    assert (counters["format"]["in"], counters["format"]["out"]) == (5, 5)
    assert counters["save"]["filesIn"] == counters["save"]["filesOut"] == 1
    lines = (out / "accounts.csv").read_text().splitlines()
    assert lines[0] == "UID|EMAIL" and len(lines) == 6
    saved = (Path(status["workDir"]) / "status.json").read_text()
    if sshd_server.password is not None:
        assert sshd_server.password not in saved and sshd_server.password not in json.dumps(status)


def test_flow_with_a_wrong_password_fails_and_keeps_it_secret(
    sshd_server: SshdServer, sftp_registry: Registry, tmp_path: Path
) -> None:
    params = sshd_server.params("upload")
    del params["privateKey"]
    params["password"] = "s3cret-but-wrong"
    flow = _flow(step("download", READ, params))
    status = run_flow(flow, tmp_path, components=sftp_registry, environ={})
    assert status["status"] == "failed"
    assert "step 'download' (datasource.read.sftp) failed: authentication failed for" in status["errorMessage"]
    everything = json.dumps(status) + (Path(status["workDir"]) / "status.json").read_text()
    assert "s3cret-but-wrong" not in everything
