"""Secrets: flows run with known credentials through the ``dataflow`` command; every output scanned for them.

The credentials: the Gigya secret, the Silverpop client secret and refresh token (given as ``${env:...}``, as the
shipped flows have them) and every access token Silverpop issued (the SFTP password of the ``oauth``
user), an SFTP password, a PGP private key and its passphrase (written literally into a flow file), and the wrong
ones of failing runs (a refused SFTP password, a refused refresh token). The runs: the outbound sample flow
stored with ``dataflow flows add`` and run by name at each log level (info, error, debug), an SFTP -> PGP ->
SFTP flow, and three runs that fail (Gigya unreachable, SFTP password refused, refresh token refused).

The outputs: each run's stdout and stderr, its status.json and error file, ``dataflow jobs show`` (text and
JSON), and once for all: what ``flows add`` printed, ``flows show``, ``flows list``, ``jobs`` (JSON), state.db
with its WAL as raw bytes, every other file under DATAFLOW_HOME, and — for the SFTP -> PGP flow created and run
through ``dataflow serve`` with its credentials as ``${env:...}`` — the API's answers (idx.getDataflow, idx.search
over dataflows, schedulings and job statuses) and the server's log. Each secret is looked for as written, URL-
encoded and in Base64. Adding an output is one entry in ``outputs()``.

Not counted as secrets: identifiers shown on purpose so an operator knows which credentials ran (the Gigya
apiKey and userKey, the Silverpop clientId, the SFTP username).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from dataflow.cli.main import main
from dataflow.server.running import BackgroundServer, build_context
from sandbox.silverpop import SilverpopSandbox
from tests.reliability.figures import check, declare
from tests.reliability.services import FaultMix, World, dataflow_cli, world
from tests.server.client import IdxClient
from tests.silverpop.conftest import host_key_fingerprint

SUITE = "secrets"
LEVELS = ("info", "error", "debug")
RUNS = (*(f"outbound at {level}" for level in LEVELS), "sftp-pgp", "gigya-unreachable", "sftp-refused", "token-refused")
PER_RUN = ("stdout", "stderr", "status.json", "errors.jsonl", "jobs show", "jobs show --json")
GLOBAL = (
    "flows add",
    "flows show",
    "flows list --json",
    "jobs --json",
    "state.db + WAL",
    "every file in DATAFLOW_HOME but state.db",
    "validate, secrets of the wrong type",
    "run, secrets of the wrong type",
    "API idx.getDataflow",
    "API idx.search dataflow",
    "API idx.search scheduling",
    "API idx.search idx_job_status",
    "dataflow serve log",
)
SECRET_NAMES = (
    "Gigya secret",
    "Silverpop client secret",
    "Silverpop refresh token",
    "Silverpop access tokens",
    "SFTP password",
    "refused SFTP password",
    "refused refresh token",
    "PGP private key",
    "PGP passphrase",
    "secrets of the wrong type",
)
CASE = declare(
    SUITE,
    f"{len(SECRET_NAMES)} credentials x {len(RUNS) * len(PER_RUN) + len(GLOBAL)} outputs of {len(RUNS)} runs",
    len(SECRET_NAMES) * (len(RUNS) * len(PER_RUN) + len(GLOBAL)),
    "credential x output",
    "the credential appears in the output neither as written, URL-encoded nor in Base64",
)
PASSPHRASE = "pgp-passphrase-7f3a9c"
WRONG_SFTP_PASSWORD = "refused-sftp-password-51d2"
WRONG_REFRESH_TOKEN = "rrefused-refresh-token-0c9e"
MISTYPED = (918273645546372819, ["listed-password-6b1e"], {"nested": "mapped-secret-2d7f"})


@pytest.fixture(scope="module")
def pgp_key() -> Iterator[tuple[Path, str]]:
    """A passphrase-protected key in a throwaway GnuPG home: (home, armored private key)."""
    if shutil.which("gpg") is None:
        pytest.fail("gpg (GnuPG) is needed: .ci/run installs it")
    home = Path(tempfile.mkdtemp(prefix="gpgsec-"))
    command = ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase", PASSPHRASE]
    try:
        subprocess.run([*command, "--quick-gen-key", "Secrets <s@example.com>", "future-default", "default", "never"],
                       capture_output=True, check=True)  # fmt: skip
        private = subprocess.run([*command, "--armor", "--export-secret-keys", "s@example.com"], capture_output=True,
                                 check=True).stdout.decode()  # fmt: skip
        yield home, private
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)
        shutil.rmtree(home, ignore_errors=True)


class Session:
    """DATAFLOW_HOME and the environment the ``dataflow`` command runs in; what each run printed."""

    def __init__(self, root: Path, running: World) -> None:
        self.root, self.world = root, running
        self.home = root / "home"
        self.environ = {**os.environ, **running.environ, "DATAFLOW_HOME": str(self.home)}
        self.printed: dict[str, tuple[str, str]] = {}
        self.jobs: dict[str, str] = {}
        self.stored = ""  # the name of the stored flow
        self.api: dict[str, bytes] = {}  # what the dataflow serve API answered, by output name
        self.server_log: list[str] = []

    def cli(self, label: str, *args: str) -> subprocess.CompletedProcess[str]:
        done = dataflow_cli(self.environ, *args)
        self.printed[label] = (done.stdout, done.stderr)
        return done

    def run(self, label: str, *args: str) -> dict[str, Any]:
        done = self.cli(label, "run", *args, "--json")
        status = json.loads(done.stdout[done.stdout.index("{") :]) if "{" in done.stdout else {}
        assert status.get("id"), f"{label}: no job status printed: {done.stderr[-800:]}"
        self.jobs[label] = status["id"]
        return status

    def in_process(self, *args: str) -> str:
        """What ``dataflow ARGS`` prints (the inspection commands: in this process, for speed)."""
        out, err = io.StringIO(), io.StringIO()
        previous = os.environ.get("DATAFLOW_HOME")
        os.environ["DATAFLOW_HOME"] = str(self.home)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main(list(args))
        finally:
            if previous is None:
                os.environ.pop("DATAFLOW_HOME", None)
            else:
                os.environ["DATAFLOW_HOME"] = previous
        return out.getvalue() + err.getvalue()

    def work_file(self, label: str, name: str) -> bytes:
        path = self.home / "jobs" / self.jobs[label] / name
        return path.read_bytes() if path.is_file() else b""


def outputs(session: Session) -> dict[str, Callable[[], bytes]]:
    """Every output to scan, by name. One line per output: add the ``dataflow serve`` API here when it exists."""
    found: dict[str, Callable[[], bytes]] = {}
    for run in RUNS:
        found[f"{run}: stdout"] = lambda run=run: session.printed[run][0].encode()
        found[f"{run}: stderr"] = lambda run=run: session.printed[run][1].encode()
        found[f"{run}: status.json"] = lambda run=run: session.work_file(run, "status.json")
        found[f"{run}: errors.jsonl"] = lambda run=run: session.work_file(run, "errors.jsonl")
        found[f"{run}: jobs show"] = lambda run=run: session.in_process("jobs", "show", session.jobs[run]).encode()
        found[f"{run}: jobs show --json"] = lambda run=run: session.in_process(
            "jobs", "show", session.jobs[run], "--json"
        ).encode()
    found["flows add"] = lambda: "".join(session.printed["flows add"]).encode()
    found["validate, secrets of the wrong type"] = lambda: "".join(session.printed["validate mistyped"]).encode()
    found["run, secrets of the wrong type"] = lambda: "".join(session.printed["run mistyped"]).encode()
    found["flows show"] = lambda: session.in_process("flows", "show", session.stored).encode()
    found["flows list --json"] = lambda: session.in_process("flows", "list", "--json").encode()
    found["jobs --json"] = lambda: session.in_process("jobs", "--json").encode()
    found["state.db + WAL"] = lambda: b"".join(
        path.read_bytes() for path in session.home.glob("state.db*") if path.is_file()
    )
    found["every file in DATAFLOW_HOME but state.db"] = lambda: b"".join(
        path.read_bytes()
        for path in sorted(session.home.rglob("*"))
        if path.is_file() and not path.name.startswith("state.db")
    )
    for name in ("API idx.getDataflow", "API idx.search dataflow", "API idx.search scheduling"):
        found[name] = lambda name=name: session.api[name]
    found["API idx.search idx_job_status"] = lambda: session.api["API idx.search idx_job_status"]
    found["dataflow serve log"] = lambda: "\n".join(session.server_log).encode()
    return found


def spellings(secret: str) -> set[bytes]:
    return {
        secret.encode(),
        quote(secret, safe="").encode(),
        quote_plus(secret).encode(),
        base64.b64encode(secret.encode()),
        base64.urlsafe_b64encode(secret.encode()).rstrip(b"="),
    }


def _sftp_params(sp: SilverpopSandbox, password: str, remote: str) -> dict[str, Any]:
    return {
        "host": sp.host,
        "port": sp.sftp_port,
        "username": sp.config.sftp_username,
        "password": password,
        "remotePath": remote,
        "hostKeyFingerprint": host_key_fingerprint(sp.host, sp.sftp_port),
    }


def _write(root: Path, name: str, document: dict[str, Any]) -> str:
    path = root / name
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return str(path)


def _through_the_api(session: Session, flow: dict[str, Any]) -> None:
    """``flow`` created and run (a one-time scheduling) through ``dataflow serve`` on the session's home; what the
    API then answers about it, its scheduling and its job is kept for the scan."""
    site = {"apiKey": "3_reliability", "userKey": "relUser", "secret": base64.b64encode(b"site-secret-9e1f").decode()}
    ctx = build_context(session.home, environ=session.environ, log=session.server_log.append)
    ctx.store.add_site(site["apiKey"], "reliability")
    ctx.store.add_site_key(site["apiKey"], site["userKey"], site["secret"])
    with BackgroundServer(ctx, poll_seconds=0.1) as server:
        client = IdxClient(server.url, site["apiKey"], site["userKey"], site["secret"])
        created = client.ok("idx.createDataflow", data=flow)
        scheduling = {"name": "now", "dataflowId": created["id"], "frequencyType": "once", "fullExtract": True}
        client.ok("idx.createScheduling", data=scheduling)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            jobs = client.ok("idx.search", query="SELECT * FROM idx_job_status")["result"]
            if jobs and jobs[0]["status"] != "running":
                break
            time.sleep(0.1)
        assert jobs and jobs[0]["status"] == "succeeded", jobs
        answers = {
            "API idx.getDataflow": client.ok("idx.getDataflow", id=created["id"]),
            "API idx.search dataflow": client.ok("idx.search", query="SELECT * FROM dataflow"),
            "API idx.search scheduling": client.ok("idx.search", query="SELECT * FROM scheduling"),
            "API idx.search idx_job_status": client.ok("idx.search", query="SELECT * FROM idx_job_status"),
        }
    session.api = {name: json.dumps(answer).encode() for name, answer in answers.items()}


def _run_everything(session: Session, root: Path, key_home: Path, private_key: str) -> None:
    running, sp = session.world, session.world.sp
    # The outbound sample flow, stored as shipped: its secrets are ${env:...} placeholders, filled when it runs.
    document = running.document("outbound-accounts.json")
    session.stored = document["name"]
    added = session.cli("flows add", "flows", "add", _write(root, "outbound.json", document))
    assert added.returncode == 0, added.stderr
    for level in LEVELS:
        status = session.run(f"outbound at {level}", session.stored, "--log-level", level, "--full-extract")
        assert status["status"] == "succeeded", status.get("errorMessage")
    # SFTP -> PGP -> SFTP, every credential written into the flow file.
    plain = root / "accounts.csv"
    plain.write_text("UID,EMAIL\n" + "".join(f"u{n},u{n}@example.com\n" for n in range(50)), encoding="utf-8")
    subprocess.run(["gpg", "--homedir", str(key_home), "--batch", "--trust-model", "always", "--recipient",
                    "s@example.com", "--output", str(sp.download_dir / "accounts.csv.pgp"), "--encrypt", str(plain)],
                   capture_output=True, check=True)  # fmt: skip
    password = sp.config.sftp_password
    flow = {
        "name": "sftp pgp",
        "steps": [
            {"id": "get", "type": "datasource.read.sftp", "next": ["decrypt"],
             "params": {**_sftp_params(sp, password, "download"), "fileNameRegex": r".*\.pgp"}},
            {"id": "decrypt", "type": "file.decrypt.pgp", "params": {"privateKey": private_key,
             "passphrase": PASSPHRASE}, "next": ["parse"]},
            {"id": "parse", "type": "file.parse.dsv", "params": {}, "next": ["format"]},
            {"id": "format", "type": "file.format.dsv", "params": {"fileName": "back.csv"}, "next": ["put"]},
            {"id": "put", "type": "datasource.write.sftp",
             "params": {**_sftp_params(sp, password, "upload"), "temporaryUploadExtension": True}},
        ],
    }  # fmt: skip
    status = session.run("sftp-pgp", _write(root, "sftp-pgp.json", flow), "--log-level", "debug")
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert (sp.upload_dir / "back.csv").read_text().count("@example.com") == 50
    # The same flow through the dataflow serve API, its credentials as ${env:...} (the server's environment).
    session.environ.update(SFTP_PASSWORD=password, PGP_PRIVATE_KEY=private_key, PGP_PASSPHRASE=PASSPHRASE)
    placeholders = {"password": "${env:SFTP_PASSWORD}", "privateKey": "${env:PGP_PRIVATE_KEY}",
                    "passphrase": "${env:PGP_PASSPHRASE}"}  # fmt: skip
    api_flow = json.loads(json.dumps(flow))
    api_flow["name"] = "sftp pgp over the API"
    for step in api_flow["steps"]:
        step["params"].update({key: value for key, value in placeholders.items() if key in step["params"]})
    _through_the_api(session, api_flow)
    # Failing runs: the messages of what failed must not carry what was sent.
    unreachable = {
        "name": "gigya unreachable",
        "steps": [{"id": "account", "type": "datasource.read.gigya.account",
                   "params": {"select": "UID", "secret": running.gigya.credentials["secret"],
                              "baseUrl": "http://127.0.0.1:9",
                              "maxRetries": 1, "retryBackoffMs": 1}}],
    }  # fmt: skip
    refused = {
        "name": "sftp refused",
        "steps": [{"id": "get", "type": "datasource.read.sftp",
                   "params": _sftp_params(sp, WRONG_SFTP_PASSWORD, "download")}],
    }  # fmt: skip
    reader = {key: value for key, value in running.document("inbound-optouts.json")["steps"][0]["params"].items()}
    reader.update(refreshToken=WRONG_REFRESH_TOKEN, clientSecret=sp.config.client_secret)
    token = {"name": "token refused", "steps": [{"id": "sp", "type": "datasource.read.silverpop", "params": reader}]}
    for label, document in (("gigya-unreachable", unreachable), ("sftp-refused", refused), ("token-refused", token)):
        status = session.run(label, _write(root, f"{label}.json", document), "--log-level", "debug")
        assert status["status"] == "failed" and status.get("errorMessage"), (label, status.get("errorMessage"))
    # Secrets written with the wrong type: the findings must say what is wrong, not what was written.
    mistyped = {
        "name": "mistyped",
        "steps": [
            {"id": "get", "type": "datasource.read.sftp", "next": ["decrypt"],
             "params": {**_sftp_params(sp, MISTYPED[0], "download")}},  # type: ignore[arg-type]
            {"id": "decrypt", "type": "file.decrypt.pgp", "params": {"privateKey": private_key,
             "passphrase": MISTYPED[1]}, "next": ["put"]},
            {"id": "put", "type": "datasource.write.sftp", "params": {**_sftp_params(sp, "x", "upload"),
             "password": MISTYPED[2]}},
        ],
    }  # fmt: skip
    path = _write(root, "mistyped.json", mistyped)
    assert session.cli("validate mistyped", "validate", path).returncode == 1
    assert session.cli("run mistyped", "run", path).returncode == 2


def test_no_credential_in_any_output(tmp_path: Path, pgp_key: tuple[Path, str]) -> None:
    key_home, private_key = pgp_key
    with world(tmp_path / "services", 30, FaultMix(0.0)) as running:
        session = Session(tmp_path, running)
        _run_everything(session, tmp_path, key_home, private_key)
        sp = running.sp
        armor = [line for line in private_key.splitlines() if len(line) > 40]
        secrets: dict[str, list[str]] = {
            "Gigya secret": [running.gigya.credentials["secret"]],
            "Silverpop client secret": [sp.config.client_secret],
            "Silverpop refresh token": [sp.config.refresh_token],
            "Silverpop access tokens": list(sp.tokens._tokens),
            "SFTP password": [sp.config.sftp_password],
            "refused SFTP password": [WRONG_SFTP_PASSWORD],
            "refused refresh token": [WRONG_REFRESH_TOKEN],
            "PGP private key": armor[len(armor) // 2 : len(armor) // 2 + 3],
            "PGP passphrase": [PASSPHRASE],
            "secrets of the wrong type": ["918273645546372819", "listed-password-6b1e", "mapped-secret-2d7f"],
        }
        assert set(secrets) == set(SECRET_NAMES) and all(secrets.values())
        scanned = {name: read() for name, read in outputs(session).items()}
    assert len(scanned) == len(RUNS) * len(PER_RUN) + len(GLOBAL)
    # The scans read real outputs: the Gigya userKey, an identifier, is shown on purpose (and so is found).
    user_key = running.gigya.credentials["userKey"].encode()
    assert user_key in scanned["outbound at info: status.json"] and user_key in scanned["state.db + WAL"]
    assert b"(not shown: a secret)" in scanned["validate, secrets of the wrong type"]
    assert b'"password": "********"' in scanned["API idx.getDataflow"]
    assert b'"succeeded"' in scanned["API idx.search idx_job_status"] and scanned["dataflow serve log"]
    failures = [
        f"{secret} in {output}"
        for secret, values in secrets.items()
        for output, content in scanned.items()
        if any(spelling in content for value in values for spelling in spellings(value))
    ]
    check(CASE, failures)
