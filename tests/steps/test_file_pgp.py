"""file.encrypt.pgp / file.decrypt.pgp against the real gpg, both ways, with keys gpg makes for the test.

Keys (RSA with an encryption subkey, ECC ed25519/cv25519, a passphrase-protected ECC key and a signing-only key)
are generated once per module in a throwaway GnuPG home whose agent is killed at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dataflow.errors import FatalError
from dataflow.files import FileRef
from dataflow.testing import build_component, drive
from steps.file import pgp
from steps.file.pgp import DecryptPgp, EncryptPgp
from tests.helpers import COLLECTED, assert_reconciled, run_flow, step, validate_flow
from tests.steps.file_steps import left_in_work, make, run

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg (GnuPG) is not installed")

PASSPHRASE = "correct horse battery staple"
DATA = b"UID,EMAIL\n" + b"".join(b"u%d,user%d@example.com\n" % (n, n) for n in range(5000))


@dataclass
class Key:
    uid: str
    public: str
    private: str


@dataclass
class Keys:
    home: Path
    rsa: Key
    ecc: Key
    protected: Key
    sign_only: Key

    def gpg(self, *args: str, passphrase: str = "") -> subprocess.CompletedProcess[bytes]:
        command = ["gpg", "--homedir", str(self.home), "--batch", "--yes", "--pinentry-mode", "loopback"]
        command += ["--passphrase", passphrase, "--trust-model", "always", *args]
        return subprocess.run(command, capture_output=True, check=False)


def _make_key(keys_home: Path, uid: str, algo: str, usage: str = "default", passphrase: str = "") -> Key:
    def gpg(*args: str) -> bytes:
        command = ["gpg", "--homedir", str(keys_home), "--batch", "--pinentry-mode", "loopback"]
        return subprocess.run([*command, "--passphrase", passphrase, *args], capture_output=True, check=True).stdout

    gpg("--quick-gen-key", uid, algo, usage, "never")
    if algo.startswith("rsa"):  # an RSA primary key alone cannot encrypt: add the encryption subkey
        listing = gpg("--list-keys", "--with-colons", uid).decode()
        fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr"))
        gpg("--quick-add-key", fingerprint, algo, "encr", "never")
    return Key(uid, gpg("--armor", "--export", uid).decode(), gpg("--armor", "--export-secret-keys", uid).decode())


@pytest.fixture(scope="module")
def keys() -> Iterator[Keys]:
    home = Path(tempfile.mkdtemp(prefix="gpgtest-"))  # short: gpg-agent's socket path has a length limit
    try:
        yield Keys(
            home,
            rsa=_make_key(home, "RSA Test <rsa@example.com>", "rsa2048"),
            ecc=_make_key(home, "ECC Test <ecc@example.com>", "future-default"),
            protected=_make_key(home, "Locked Test <locked@example.com>", "future-default", passphrase=PASSPHRASE),
            sign_only=_make_key(home, "Sign Only <sign@example.com>", "ed25519", usage="sign"),
        )
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)
        shutil.rmtree(home, ignore_errors=True)


# encrypt: gpg decrypts what we wrote ----------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["rsa", "ecc"])
@pytest.mark.parametrize("armor", [False, True])
def test_gpg_decrypts_what_we_encrypt(tmp_path: Path, keys: Keys, algorithm: str, armor: bool) -> None:
    key: Key = getattr(keys, algorithm)
    source = make(tmp_path, "export.csv", DATA)
    component = build_component("file.encrypt.pgp", {"publicKey": key.public, "armor": armor}, tmp_path / "work")
    home = Path(component._keyring.home)
    assert home.is_dir()
    (encrypted,), rejected = drive(component, [[source]])
    assert not home.exists()  # the step's throwaway GnuPG home is gone after close
    assert rejected == [] and encrypted.name == "export.csv.pgp"
    head = encrypted.path.read_bytes()[:27]
    assert (head == b"-----BEGIN PGP MESSAGE-----") is armor
    output = tmp_path / "plain.csv"
    result = keys.gpg("--output", str(output), "--decrypt", str(encrypted.path))
    assert result.returncode == 0, result.stderr.decode()
    assert output.read_bytes() == DATA
    assert b"export.csv" in keys.gpg("--list-packets", str(encrypted.path)).stdout  # the literal packet's name


def test_encrypt_to_several_keys(tmp_path: Path, keys: Keys) -> None:
    both = keys.rsa.public + keys.ecc.public
    (encrypted,), _, _ = run(tmp_path, "file.encrypt.pgp", [make(tmp_path, "a.csv", DATA)], publicKey=both)
    (rsa_only,), rejected, _ = run(tmp_path, "file.decrypt.pgp", [encrypted], privateKey=keys.rsa.private)
    assert rejected == [] and rsa_only.path.read_bytes() == DATA
    (ecc_only,), rejected, _ = run(tmp_path, "file.decrypt.pgp", [encrypted], privateKey=keys.ecc.private)
    assert rejected == [] and ecc_only.path.read_bytes() == DATA


# decrypt: we read what gpg wrote -------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["rsa", "ecc"])
@pytest.mark.parametrize(("armor", "suffix"), [(False, ".gpg"), (True, ".asc"), (False, ".pgp")])
def test_we_decrypt_what_gpg_encrypts(tmp_path: Path, keys: Keys, algorithm: str, armor: bool, suffix: str) -> None:
    key: Key = getattr(keys, algorithm)
    source = make(tmp_path, "partner.csv", DATA)
    target = tmp_path / "in" / f"partner.csv{suffix}"
    options = ["--armor"] if armor else []
    result = keys.gpg(*options, "--recipient", key.uid, "--output", str(target), "--encrypt", str(source.path))
    assert result.returncode == 0, result.stderr.decode()
    (plain,), rejected, _ = run(tmp_path, "file.decrypt.pgp", [FileRef.of(target)], privateKey=key.private)
    assert rejected == [] and plain.name == "partner.csv" and plain.path.read_bytes() == DATA


def test_passphrase_protected_key(tmp_path: Path, keys: Keys) -> None:
    source = make(tmp_path, "a.csv", DATA)
    target = tmp_path / "in" / "a.csv.pgp"
    keys.gpg("--recipient", keys.protected.uid, "--output", str(target), "--encrypt", str(source.path))
    file = FileRef.of(target)
    (plain,), rejected, _ = run(
        tmp_path, "file.decrypt.pgp", [file], privateKey=keys.protected.private, passphrase=PASSPHRASE
    )
    assert rejected == [] and plain.path.read_bytes() == DATA
    _, rejected, missing = run(tmp_path, "file.decrypt.pgp", [file], privateKey=keys.protected.private)
    assert rejected[0][1] == "a.csv.pgp: cannot decrypt: privateKey is protected by a passphrase; set passphrase"
    _, rejected, wrong = run(
        tmp_path, "file.decrypt.pgp", [file], privateKey=keys.protected.private, passphrase="not it"
    )
    assert rejected[0][1] == "a.csv.pgp: cannot decrypt: passphrase does not unlock privateKey"
    trace = "\n".join(missing.context.job.trace.lines + wrong.context.job.trace.lines)
    for secret in (PASSPHRASE, "not it", keys.protected.private.splitlines()[3]):
        assert secret not in trace and secret not in rejected[0][1]
    assert left_in_work(tmp_path) == ["a.csv"]  # only the good decryption's output


# failures go down the error path ------------------------------------------------------------------------------


def test_failures_are_rejected_with_a_reason_and_leave_nothing(tmp_path: Path, keys: Keys) -> None:
    source = make(tmp_path, "a.csv", DATA)
    for_rsa = tmp_path / "in" / "for_rsa.csv.pgp"
    keys.gpg("--recipient", keys.rsa.uid, "--output", str(for_rsa), "--encrypt", str(source.path))
    whole = for_rsa.read_bytes()
    truncated = make(tmp_path, "cut.csv.pgp", whole[: len(whole) // 2])
    flipped = bytearray(whole)
    flipped[-5] ^= 0xFF  # inside the integrity (MDC) packet at the end
    tampered = make(tmp_path, "tampered.csv.pgp", bytes(flipped))
    flipped = bytearray(whole)
    flipped[len(whole) // 2] ^= 0xFF
    garbled = make(tmp_path, "garbled.csv.pgp", bytes(flipped))
    armored = tmp_path / "in" / "broken.csv.asc"
    keys.gpg("--armor", "--recipient", keys.rsa.uid, "--output", str(armored), "--encrypt", str(source.path))
    broken = make(tmp_path, "broken.csv.asc", armored.read_bytes()[:300])
    plain = make(tmp_path, "plain.csv", b"UID,EMAIL\nu1,a@example.com\n")
    files = [FileRef.of(for_rsa), truncated, tampered, garbled, broken, plain]
    emitted, rejected, component = run(tmp_path, "file.decrypt.pgp", files, privateKey=keys.rsa.private)
    assert [f.name for f in emitted] == ["for_rsa.csv"]
    reasons = {item.name: message for item, message, _ in rejected}
    # GnuPG 2.2 reports the broken integrity check (MDC); 2.4 may use AEAD for its own keys and word it otherwise
    damaged = ("integrity check failed", "corrupt or truncated file (")
    for name in ("cut.csv.pgp", "tampered.csv.pgp", "garbled.csv.pgp"):
        assert reasons[name].startswith(f"{name}: cannot decrypt: ")
        assert any(words in reasons[name] for words in damaged), reasons[name]
    assert reasons["broken.csv.asc"] == "broken.csv.asc: cannot decrypt: the OpenPGP data is broken or truncated"
    assert reasons["plain.csv"] == "plain.csv: not an OpenPGP message"
    assert (component.counters.in_, component.counters.out, component.counters.errors) == (6, 1, 5)
    assert left_in_work(tmp_path) == ["for_rsa.csv"]  # no half-decrypted or tampered plaintext went anywhere
    # the wrong key
    _, rejected, _ = run(tmp_path, "file.decrypt.pgp", [FileRef.of(for_rsa)], privateKey=keys.ecc.private)
    assert rejected[0][1].startswith("for_rsa.csv.pgp: cannot decrypt: not encrypted for privateKey (it is for key ID ")


def test_pass_through_unencrypted(tmp_path: Path, keys: Keys) -> None:
    plain = make(tmp_path, "plain.csv", b"UID\nu1\n")
    params = {"privateKey": keys.ecc.private, "passThroughUnencrypted": True}
    emitted, rejected, _ = run(tmp_path, "file.decrypt.pgp", [plain], **params)
    assert emitted == [plain] and rejected == []
    broken = make(tmp_path, "broken.pgp", b"-----BEGIN PGP MESSAGE-----\n\nhQEMA\n")
    _, rejected, _ = run(tmp_path, "file.decrypt.pgp", [broken], **params)
    assert rejected and "cannot decrypt" in rejected[0][1]  # a broken message is not "unencrypted"


# keys in params -------------------------------------------------------------------------------------------------


def test_bad_keys_are_validation_errors_naming_the_param(keys: Keys) -> None:
    body_line = keys.ecc.public.splitlines()[3]
    cases = [
        (EncryptPgp, {"publicKey": "not a key"}, "publicKey", "not an ASCII-armored OpenPGP public key"),
        (EncryptPgp, {"publicKey": keys.ecc.private}, "publicKey", "(it holds a private key)"),
        (
            EncryptPgp,
            {"publicKey": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n"},
            "publicKey",
            "gpg could not read a public key from it",
        ),
        (EncryptPgp, {"publicKey": keys.sign_only.public}, "publicKey", "no key in it can encrypt"),
        (DecryptPgp, {"privateKey": keys.ecc.public}, "privateKey", "(it holds a public key)"),
        (DecryptPgp, {"privateKey": keys.sign_only.private}, "privateKey", "no key in it can decrypt"),
        (DecryptPgp, {"privateKey": keys.ecc.private, "passphrase": "two\nlines"}, "passphrase", "one line"),
    ]
    for component, params, param, expected in cases:
        problems = list(component.check_params(params))
        assert [problem.path for problem in problems] == [(param,)], params
        assert expected in problems[0].message
        assert body_line not in problems[0].message
    assert list(EncryptPgp.check_params({"publicKey": keys.rsa.public})) == []
    assert list(DecryptPgp.check_params({"privateKey": keys.rsa.private, "passphrase": "x"})) == []
    assert list(EncryptPgp.check_params({"publicKey": "${env:PARTNER_KEY}"})) == []  # checked when the job starts


def test_bad_key_in_a_flow_is_reported_at_the_param(tmp_path: Path) -> None:
    flow = {
        "name": "pgp",
        "steps": [
            step("source", "test.source", {"records": [{"a": 1}]}, next=["csv"]),
            step("csv", "file.format.dsv", {}, next=["encrypt"]),
            step("encrypt", "file.encrypt.pgp", {"publicKey": "paste the key here"}),
        ],
    }
    validated = validate_flow(flow)
    assert not validated.ok
    found = [d.format() for d in validated.diagnostics]
    assert any("publicKey" in line and "not an ASCII-armored OpenPGP public key" in line for line in found), found


def test_bad_key_at_job_start_fails_naming_the_param(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    homes: list[str] = []
    make_home = tempfile.mkdtemp
    monkeypatch.setattr(pgp.tempfile, "mkdtemp", lambda **kw: homes.append(make_home(**kw)) or homes[-1])
    with pytest.raises(ValueError, match=r"^param 'publicKey': not an ASCII-armored OpenPGP public key"):
        build_component("file.encrypt.pgp", {"publicKey": "garbage"}, tmp_path / "work")
    with pytest.raises(ValueError, match=r"^param 'privateKey': gpg could not read a private key from it"):
        params = {"privateKey": "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----"}
        build_component("file.decrypt.pgp", params, tmp_path / "work")
    assert len(homes) == 2 and not any(Path(home).exists() for home in homes)  # refused keys leave no home behind


def test_missing_gpg_is_a_clear_job_failure(tmp_path: Path, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pgp.shutil, "which", lambda name: None)
    assert list(EncryptPgp.check_params({"publicKey": keys.ecc.public})) == []
    with pytest.raises(FatalError, match="need the gpg program"):
        build_component("file.encrypt.pgp", {"publicKey": keys.ecc.public}, tmp_path / "work")


def test_large_file_round_trip(tmp_path: Path, keys: Keys) -> None:
    big = make(tmp_path, "big.bin", os.urandom(32 * 1024 * 1024))
    (encrypted,), _, _ = run(tmp_path, "file.encrypt.pgp", [big], publicKey=keys.ecc.public)
    (decrypted,), rejected, _ = run(tmp_path, "file.decrypt.pgp", [encrypted], privateKey=keys.ecc.private)
    assert rejected == [] and decrypted.name == "big.bin"
    assert decrypted.path.read_bytes() == big.path.read_bytes()


def test_a_job_through_every_file_step(tmp_path: Path, keys: Keys) -> None:
    """records → jsonl → gzip → encrypt → decrypt → gunzip → parse: the records come back; no secret in the trace."""
    records = [{"UID": f"u{n}", "profile": {"email": f"u{n}@example.com"}} for n in range(25)]
    flow = {
        "name": "pgp round trip",
        "steps": [
            step("source", "test.source", {"records": records, "batchSize": 10}, next=["jsonl"]),
            step("jsonl", "file.format.jsonl", {"fileName": "accounts.jsonl"}, next=["gzip"]),
            step("gzip", "file.compress.gzip", {}, next=["encrypt"]),
            step("encrypt", "file.encrypt.pgp", {"publicKey": keys.protected.public}, next=["decrypt"]),
            step(
                "decrypt",
                "file.decrypt.pgp",
                {"privateKey": keys.protected.private, "passphrase": PASSPHRASE},
                next=["gunzip"],
            ),
            step("gunzip", "file.uncompress.gzip", {}, next=["parse"]),
            step("parse", "file.parse.json", {"addFilename": True}, next=["collect"]),
            step("collect", "test.collect", {"name": "out"}),
        ],
    }
    status = run_flow(flow, tmp_path, log_level="debug")
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert_reconciled(status)
    assert COLLECTED["out"] == [{**record, "_fileName": "accounts.jsonl"} for record in records]
    text = json.dumps(status)
    assert PASSPHRASE not in text and keys.protected.private.splitlines()[3] not in text
