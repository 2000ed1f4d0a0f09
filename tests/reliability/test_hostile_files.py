"""Hostile input: file names that climb out, archives that unpack outside or explode, SFTP servers that are not
the one configured.

- Every file-name param (the ``fileName`` of every formatter and of file.compress.zip) gets names that try to
  leave the target: ``../``, absolute paths, ``..`` and ``.`` alone, backslashes, a NUL byte; the files go to a
  local directory, an SFTP server and an FTP server. A reader's ``fileNameRegex`` gets patterns that name ``..``
  and absolute paths.
- file.uncompress.zip gets archives whose members climb out (zip-slip: ``../``, absolute, drive letters,
  backslashes); file.uncompress.gzip, .zip and .lzo get bombs (a small file that unpacks to 200 MB, an archive
  whose headers lie about the size) against ``maxUncompressedSize``.
- The SFTP reader and writer meet a server whose host key is not the configured one (fingerprint, key, known_hosts).

What must hold: nothing is written outside the target directory (the test's whole directory is compared before
and after); the step either lands the file inside its target under a harmless name or refuses it with a clear
reason (a FILE:LINE finding, a failed record with its reason, or the job failing with a message that is no
traceback); a bomb never reaches the disk past its limit; a wrong host key moves no file.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from dataflow.validation import validate_text
from sandbox.silverpop import SilverpopConfig, SilverpopSandbox
from sandbox.silverpop.clock import Clock
from sandbox.storage import FtpServer
from tests.helpers import registry, run_flow
from tests.reliability.figures import check, declare
from tests.reliability.services import reconcile
from tests.silverpop.conftest import host_key_fingerprint

SUITE = "hostile input: files"
NAMES = (
    "../escape.csv",
    "../../escape.csv",
    "ABSOLUTE/abs-escape.csv",  # replaced by an absolute path inside the test's directory
    "..",
    ".",
    "a/../../escape.csv",
    "..\\escape.csv",
    "sub/dir/nested.csv",
    "...",
    "nul\x00byte.csv",
    "~/home-escape.csv",
    "/dev/null",
)
SINKS = (
    "file.format.dsv -> local",
    "file.format.json -> local",
    "file.compress.zip -> local",
    "file.format.dsv -> sftp",
)
REGEXES = (r"\.\./.*", r"\.\.", r"/etc/passwd", r".*/.*", r"\.\.\\.*")
MEMBERS = ("../evil.txt", "../../evil.txt", "ABSOLUTE/evil.txt", "a/../../evil.txt", "..\\evil.txt", "C:\\evil.txt",
           "C:/evil.txt", "\\\\server\\share\\evil.txt")  # fmt: skip
BOMBS = (
    "gzip: 200 MB of zeros",
    "zip: 200 MB of zeros",
    "zip: headers say 1 KB, data is 50 MB",
    "zip: 30 members",
    "lzo: 200 MB of zeros",
)
HOST_KEYS = ("reader, wrong fingerprint", "writer, wrong fingerprint", "writer, another key", "reader, known_hosts")
PLACED = "nothing written outside the target; the file lands inside under a harmless name or is refused with a reason"
NAMES_CASE = declare(SUITE, "file-name params x sinks", len(NAMES) * len(SINKS), "names x sinks", PLACED)
REGEX_CASE = declare(SUITE, "fileNameRegex climbing out (local and SFTP)", len(REGEXES) * 2, "patterns", PLACED)
ZIP_CASE = declare(
    SUITE, "zip-slip members", len(MEMBERS), "archives", "the archive is refused whole with a reason; nothing extracted"
)
BOMB_CASE = declare(
    SUITE,
    "decompression bombs (maxUncompressedSize 10 MB)",
    len(BOMBS),
    "bombs",
    "refused with a reason; no more than the limit ever written",
)
HOST_CASE = declare(
    SUITE,
    "SFTP host key mismatch",
    len(HOST_KEYS),
    "connections",
    "the job fails naming the host key; no file moves",
)


@pytest.fixture(scope="module")
def sftp() -> Iterator[SilverpopSandbox]:
    config = SilverpopConfig(contacts=0, job_waiting_s=0.05, job_running_s=0.05)
    with SilverpopSandbox(config, clock=Clock(), tick_s=0.05) as running:
        yield running


def _sftp(sp: SilverpopSandbox, remote: str, **extra: Any) -> dict[str, Any]:
    params = {
        "host": sp.host,
        "port": sp.sftp_port,
        "username": sp.config.sftp_username,
        "password": sp.config.sftp_password,
        "remotePath": remote,
        "hostKeyFingerprint": host_key_fingerprint(sp.host, sp.sftp_port),
    }
    params.update(extra)
    return {key: value for key, value in params.items() if value is not None}


def snapshot(*roots: Path) -> set[Path]:
    return {path for root in roots for path in root.rglob("*")}


def _status_problem(status: dict[str, Any]) -> str | None:
    """A job that ended badly must say why in plain words; either way its counters reconcile."""
    if reconcile(status):
        return "; ".join(reconcile(status))
    message = status.get("errorMessage") or ""
    if status["status"] == "failed" and (not message or "Traceback" in message):
        return f"failed without a clear message: {message[:200]!r}"
    return None


def _run(flow: dict[str, Any], work: Path) -> tuple[str | None, dict[str, Any] | None]:
    """``(the findings, None)`` when validation refuses the flow, else ``(None, the job's status)``."""
    validated = validate_text(json.dumps(flow, indent=2), "flow.json", registry=registry())
    if not validated.ok:
        return "; ".join(d.format() for d in validated.diagnostics), None
    return None, run_flow(flow, work)


def _finding_problem(finding: str | None) -> str | None:
    if finding is None or finding.startswith("flow.json:"):
        return None
    return f"a finding without FILE:LINE: {finding}"


FORMAT_PARAMS = {"file.format.krux": {"userIdField": "uid"}, "file.format.aam": {"userIdField": "uid", "dpid": 1234}}


def _records_flow(sink: str, name: str, out: Path, sp: SilverpopSandbox, ftp: FtpServer) -> dict[str, Any]:
    records = [{"uid": "u1", "a": 1}, {"uid": "u2", "a": 2}]
    source = {"id": "source", "type": "test.source", "params": {"records": records}, "next": ["format"]}
    formatter = sink.split(" ")[0] if sink.startswith("file.format.") else "file.format.dsv"
    params = dict(FORMAT_PARAMS.get(formatter, {}))
    steps: list[dict[str, Any]] = [source]
    if "zip" in sink:
        steps.append({"id": "format", "type": formatter, "params": params, "next": ["zip"]})
        steps.append({"id": "zip", "type": "file.compress.zip", "params": {"fileName": name}, "next": ["write"]})
    else:
        steps.append({"id": "format", "type": formatter, "params": {**params, "fileName": name}, "next": ["write"]})
    writer = {"type": "datasource.write.file", "params": {"path": str(out)}}
    if "sftp" in sink:
        writer = {"type": "datasource.write.sftp", "params": _sftp(sp, "upload")}
    if "ftp" in sink and "sftp" not in sink:
        ftp_params = {"host": ftp.host, "port": ftp.port, "username": "writer", "password": ftp.password}
        writer = {"type": "datasource.write.ftp", "params": {**ftp_params, "remotePath": "/upload"}}
    steps.append({"id": "write", **writer})
    return {"name": "names", "steps": steps}


@pytest.fixture(scope="module")
def ftp() -> Iterator[FtpServer]:
    server = FtpServer().start()
    (server.root / "upload").mkdir()
    yield server
    server.stop()


def test_file_name_params_never_leave_their_target(tmp_path: Path, sftp: SilverpopSandbox, ftp: FtpServer) -> None:
    failures = []
    sftp_root = sftp.upload_dir.parent
    for number, (sink, raw) in enumerate((sink, name) for sink in SINKS for name in NAMES):
        name = raw.replace("ABSOLUTE", str(tmp_path / "absolute"))
        case = tmp_path / f"case{number}"
        out = case / "target" / "out"
        out.mkdir(parents=True)
        before = snapshot(tmp_path, sftp_root, ftp.root)
        refused, status = _run(_records_flow(sink, name, out, sftp, ftp), case / "work")
        target = {"sftp": sftp.upload_dir, "ftp": ftp.root / "upload"}.get(sink.rsplit(" ", 1)[-1], out)
        allowed = (case / "work", target)
        escaped = sorted(
            str(path)
            for path in snapshot(tmp_path, sftp_root, ftp.root) - before
            if not any(path == root or root in path.parents for root in allowed)
        )
        problem = _finding_problem(refused) or (_status_problem(status) if status else None)
        if escaped:
            problem = f"wrote outside the target: {escaped[:3]}"
        if problem:
            failures.append(f"{sink} with {raw!r}: {problem}")
        for leftover in [*sftp.upload_dir.iterdir(), *(ftp.root / "upload").iterdir()]:
            leftover.unlink() if leftover.is_file() else None
    check(NAMES_CASE, failures)


def test_file_name_regexes_never_reach_outside_the_directory(tmp_path: Path, sftp: SilverpopSandbox) -> None:
    (tmp_path / "secret.csv").write_text("a\n1\n")  # beside the directory the readers are pointed at
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "inside.csv").write_text("a\n2\n")
    (sftp.download_dir / "inside.csv").write_text("a\n3\n")
    failures = []
    for number, regex in enumerate(REGEXES):
        for where in ("local", "sftp"):
            params = {"path": str(directory)} if where == "local" else _sftp(sftp, "download")
            reader = "datasource.read.file" if where == "local" else "datasource.read.sftp"
            out = tmp_path / f"out{number}{where}"
            flow = {
                "name": "regex",
                "steps": [
                    {"id": "read", "type": reader, "params": {**params, "fileNameRegex": regex}, "next": ["write"]},
                    {"id": "write", "type": "datasource.write.file", "params": {"path": str(out)}},
                ],
            }
            refused, status = _run(flow, tmp_path / f"work{number}{where}")
            landed = sorted(path.name for path in out.glob("*")) if out.is_dir() else []
            problem = _finding_problem(refused) or (_status_problem(status) if status else None)
            if landed not in ([], ["inside.csv"]):
                problem = f"read {landed}"
            if problem:
                failures.append(f"{where} {regex!r}: {problem}")
    check(REGEX_CASE, failures)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _lying_zip(real: int, declared: int) -> bytes:
    """A one-member archive whose headers (local and central) declare ``declared`` bytes for ``real`` ones."""
    data = bytearray(_zip({"big.bin": bytes(real)}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        data[at + offset : at + offset + 4] = struct.pack("<I", declared)
    return bytes(data)


def _lzo(data: bytes) -> bytes:
    """An lzop file made by the real lzop (.ci/run installs it)."""
    done = subprocess.run(["lzop", "-c", "-1"], input=data, capture_output=True, check=True)
    return done.stdout


def _unpack_flow(source: Path, out: Path, step: str, limit_mb: int = 10) -> dict[str, Any]:
    return {
        "name": "unpack",
        "steps": [
            {"id": "read", "type": "datasource.read.file", "params": {"path": str(source)}, "next": ["unpack"]},
            {"id": "unpack", "type": step, "params": {"maxUncompressedSize": limit_mb}, "next": ["write"],
             "error": ["rejects"]},
            {"id": "write", "type": "datasource.write.file", "params": {"path": str(out)}},
            {"id": "rejects", "type": "datasource.write.file", "params": {"path": str(out.parent / "rejects")}},
        ],
    }  # fmt: skip


def _refused_whole(status: dict[str, Any] | None, out: Path) -> str | None:
    if status is None:
        return "refused at validation"
    counts = status["counters"]["unpack"]
    if status["status"] != "succeeded" or counts["errors"] != 1 or (out.is_dir() and any(out.iterdir())):
        return f"{status['status']}, counters {counts}, out {sorted(p.name for p in out.glob('*'))}"
    return _status_problem(status)


def test_zip_slip_members_are_refused(tmp_path: Path) -> None:
    failures = []
    for number, raw in enumerate(MEMBERS):
        member = raw.replace("ABSOLUTE", str(tmp_path / "absolute"))
        case = tmp_path / f"case{number}"
        source = case / "in"
        source.mkdir(parents=True)
        (source / "slip.zip").write_bytes(_zip({"fine.txt": b"fine", member: b"evil"}))
        before = snapshot(tmp_path)
        _, status = _run(_unpack_flow(source, case / "out", "file.uncompress.zip"), case / "work")
        problem = _refused_whole(status, case / "out")
        written = [path for path in snapshot(tmp_path) - before if path.is_file() and path.read_bytes() == b"evil"]
        if written:
            problem = f"extracted {written}"
        if problem:
            failures.append(f"{raw!r}: {problem}")
    check(ZIP_CASE, failures)


def test_decompression_bombs_stop_at_the_limit(tmp_path: Path) -> None:
    archives = {
        "gzip: 200 MB of zeros": ("bomb.csv.gz", "file.uncompress.gzip", gzip.compress(bytes(200 << 20), 9)),
        "zip: 200 MB of zeros": ("bomb.zip", "file.uncompress.zip", _zip({"zeros.bin": bytes(200 << 20)})),
        "zip: headers say 1 KB, data is 50 MB": ("liar.zip", "file.uncompress.zip", _lying_zip(50 << 20, 1024)),
        "zip: 30 members": ("many.zip", "file.uncompress.zip", _zip({f"m{n}.bin": bytes(1 << 20) for n in range(30)})),
        "lzo: 200 MB of zeros": ("bomb.csv.lzo", "file.uncompress.lzo", _lzo(bytes(200 << 20))),
    }
    failures = []
    for number, label in enumerate(BOMBS):
        name, step, data = archives[label]
        case = tmp_path / f"case{number}"
        source = case / "in"
        source.mkdir(parents=True)
        (source / name).write_bytes(data)
        _, status = _run(_unpack_flow(source, case / "out", step), case / "work")
        problem = _refused_whole(status, case / "out")
        biggest = max((path.stat().st_size for path in (case / "work").rglob("*") if path.is_file()), default=0)
        if biggest > (10 << 20) + (1 << 20):
            problem = f"{biggest:,} bytes reached the disk"
        if problem:
            failures.append(f"{label}: {problem}")
    check(BOMB_CASE, failures)


def _other_key_line() -> str:
    key = asyncssh.generate_private_key("ssh-ed25519")
    return key.export_public_key().decode().strip()


def test_a_wrong_host_key_moves_no_file(tmp_path: Path, sftp: SilverpopSandbox) -> None:
    wrong = "SHA256:" + "A" * 43
    (sftp.download_dir / "keyed.csv").write_text("a\n1\n")
    other = _other_key_line()
    known_hosts = f"[{sftp.host}]:{sftp.sftp_port} {other}\n"  # known_hosts text naming another key
    cases = {
        "reader, wrong fingerprint": ("datasource.read.sftp", {"hostKeyFingerprint": wrong}),
        "writer, wrong fingerprint": ("datasource.write.sftp", {"hostKeyFingerprint": wrong}),
        "writer, another key": ("datasource.write.sftp", {"hostKeyFingerprint": None, "hostKey": other}),
        "reader, known_hosts": ("datasource.read.sftp", {"hostKeyFingerprint": None, "knownHosts": known_hosts}),
    }
    failures = []
    for number, label in enumerate(HOST_KEYS):
        step, extra = cases[label]
        out = tmp_path / f"out{number}"
        source = {"id": "source", "type": "test.source", "params": {"records": [{"a": 1}]}, "next": ["format"]}
        formatter = {"id": "format", "type": "file.format.dsv", "params": {"fileName": f"w{number}.csv"}}
        if step == "datasource.read.sftp":
            steps = [
                {"id": "sftp", "type": step, "params": _sftp(sftp, "download", **extra), "next": ["write"]},
                {"id": "write", "type": "datasource.write.file", "params": {"path": str(out)}},
            ]
        else:
            steps = [source, {**formatter, "next": ["sftp"]}, {"id": "sftp", "type": step,
                     "params": _sftp(sftp, "upload", **extra)}]  # fmt: skip
        refused, status = _run({"name": "host keys", "steps": steps}, tmp_path / f"work{number}")
        moved = (out.is_dir() and any(out.iterdir())) or (sftp.upload_dir / f"w{number}.csv").exists()
        message = (status or {}).get("errorMessage") or refused or ""
        problem = _finding_problem(refused)
        failed = refused is not None or (status is not None and status["status"] == "failed")
        if not failed or "host key" not in message.lower() or moved:
            problem = f"{(status or {}).get('status', 'refused')}: {message[:300]!r}, moved {moved}"
        if problem:
            failures.append(f"{label}: {problem}")
    check(HOST_CASE, failures)
