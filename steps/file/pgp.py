"""``file.encrypt.pgp`` and ``file.decrypt.pgp``: OpenPGP through the system's GnuPG (python-gnupg drives ``gpg``).

Why GnuPG rather than a pure-Python OpenPGP library: it is what partners use, so what it writes they read; it
streams (the file goes through gpg's stdin to ``--output``, never into memory) and is fast; and it is maintained.
The cost is a binary on the machine: ``gpg`` 2.1 or later (Debian's ``gnupg`` package).

Each step keeps its keys in a throwaway GnuPG home made when it opens and removed (its agent killed) when it
closes, so nothing touches the user's keyring and nothing is left behind. Keys are checked when the flow is
loaded (``check_params`` imports them into a scratch home): a key that cannot be read, or that holds no key able
to encrypt (or decrypt), is a validation error naming the param. A key given as ``${env:NAME}`` is checked when
the job starts instead.

- ``file.encrypt.pgp``: each file → ``name.pgp`` (binary, or ASCII-armored with ``armor``; the name stays
  ``.pgp`` either way so a partner's pattern matches both). ``publicKey`` may hold several keys: the file is
  encrypted to each of them. Keys need no trust signature: the flow author chose them.
- ``file.decrypt.pgp``: ``name.pgp``/``.gpg``/``.asc`` → ``name``. A file that cannot be decrypted (another key,
  wrong passphrase, corrupt or tampered with) goes down the error path with the reason and nothing of its
  content goes on; a file that is not OpenPGP at all fails the same way unless ``passThroughUnencrypted``.

Key material and passphrases never reach a message: errors name the param, and gpg's own lines are quoted only
for the data file. The passphrase is written to gpg's stdin, never on a command line.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import gnupg

from dataflow.component import FileStep, ParamProblem
from dataflow.errors import FatalError, RecordError
from dataflow.files import FileRef
from dataflow.runtime.context import StepContext

_GPG = "gpg"
_PUBLIC_ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
_PRIVATE_ARMOR = "-----BEGIN PGP PRIVATE KEY BLOCK-----"
_MESSAGE_ARMOR = b"-----BEGIN PGP"
_ENCRYPTED_SUFFIXES = (".pgp", ".gpg", ".asc")
_ENC_TO = re.compile(r"\[GNUPG:\] ENC_TO ([0-9A-F]+)")


class Keyring:
    """A throwaway GnuPG home holding only the keys one step was given."""

    def __init__(self) -> None:
        if shutil.which(_GPG) is None:
            raise FatalError("OpenPGP steps need the gpg program (GnuPG 2.1 or later); install the gnupg package")
        # A short path under the system temp dir: gpg-agent's socket path must stay under the 108-byte limit.
        self.home = tempfile.mkdtemp(prefix="dataflow-gpg-")
        try:
            # loopback: a missing passphrase fails at once instead of waiting for a pinentry no one answers.
            self.gpg = gnupg.GPG(gpgbinary=_GPG, gnupghome=self.home, options=["--pinentry-mode", "loopback"])
        except (OSError, ValueError) as problem:
            self.close()
            raise FatalError(f"cannot run gpg: {problem}") from None
        if self.gpg.version is not None and tuple(self.gpg.version) < (2, 1):
            self.close()
            raise FatalError("OpenPGP steps need GnuPG 2.1 or later")

    def add(self, armored: str, param: str, secret: bool) -> list[str]:
        """Import ``armored``; the fingerprints of its keys that have a usable encryption subkey.

        A refused key raises ValueError naming the param (never quoting the key).
        """
        header = _PRIVATE_ARMOR if secret else _PUBLIC_ARMOR
        kind = "private" if secret else "public"
        if header not in armored:
            other = _PUBLIC_ARMOR if secret else _PRIVATE_ARMOR
            hint = f" (it holds a {'public' if secret else 'private'} key)" if other in armored else ""
            raise ValueError(f"param '{param}': not an ASCII-armored OpenPGP {kind} key ({header}){hint}")
        result = self.gpg.import_keys(armored)
        imported = result.sec_imported if secret else result.count
        if not imported or not result.fingerprints:
            raise ValueError(f"param '{param}': gpg could not read a {kind} key from it")
        wanted = set(result.fingerprints)
        usable = [
            key["fingerprint"]
            for key in self.gpg.list_keys(secret=secret)
            if key["fingerprint"] in wanted and "E" in key.get("cap", "")
        ]
        if not usable:
            raise ValueError(
                f"param '{param}': no key in it can {'decrypt' if secret else 'encrypt'} "
                "(no encryption subkey, or expired or revoked)"
            )
        return usable

    def close(self) -> None:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                ["gpgconf", "--homedir", self.home, "--kill", "all"],  # gpg-agent, and keyboxd on GnuPG 2.4
                capture_output=True,
                timeout=10,
                check=False,
            )
        shutil.rmtree(self.home, ignore_errors=True)


def _key_problems(params: dict[str, Any], param: str, secret: bool) -> Iterable[ParamProblem]:
    """Load-time check of a key param: import it into a scratch home (skipped for placeholders or no gpg)."""
    armored = params.get(param)
    if not isinstance(armored, str) or "${" in armored or shutil.which(_GPG) is None:
        return
    try:
        keyring = Keyring()
    except FatalError:
        return  # the job will fail at start with the reason; a missing binary is no fault of the param
    try:
        keyring.add(armored, param, secret)
    except ValueError as problem:
        yield ParamProblem((param,), str(problem).removeprefix(f"param '{param}': "))
    finally:
        keyring.close()


class _PgpStep(FileStep):
    """Opens a keyring for the step's life."""

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._keyring: Keyring | None = None

    def close(self) -> None:
        if self._keyring is not None:
            self._keyring.close()
            self._keyring = None

    def _open_keyring(self, param: str, secret: bool) -> list[str]:
        """A keyring holding the key in ``param``; removed again when the key is refused (no close() follows)."""
        keyring = Keyring()
        try:
            usable = keyring.add(str(self.params[param]), param, secret)
        except BaseException:
            keyring.close()
            raise
        self._keyring = keyring
        return usable

    def _gpg(self) -> gnupg.GPG:
        assert self._keyring is not None, "open() was not called"
        return self._keyring.gpg


class EncryptPgp(_PgpStep):
    """Encrypt each file to ``publicKey`` as ``name.pgp``."""

    type: ClassVar[str] = "file.encrypt.pgp"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        return list(_key_problems(params, "publicKey", secret=False))

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._armor = bool(params.get("armor", False))
        self._recipients: list[str] = []

    def open(self) -> None:
        self._recipients = self._open_keyring("publicKey", secret=False)
        self.context.info(f"encrypting for key {', '.join(self._recipients)}")

    def process_file(self, file: FileRef) -> FileRef:
        name = f"{file.name}.pgp"
        path = self.context.new_file_path(name)
        result = self._gpg().encrypt_file(
            str(file.path),
            recipients=self._recipients,
            armor=self._armor,
            output=str(path),
            always_trust=True,
            extra_args=["--set-filename", _base_name(file.name)],
        )
        if not result.ok or result.returncode != 0 or not path.exists():
            path.unlink(missing_ok=True)
            raise RecordError(f"{file.name}: encryption failed: {_gpg_reason(result)}")
        return FileRef.of(path, name)


class DecryptPgp(_PgpStep):
    """Decrypt each file with ``privateKey`` (and ``passphrase`` when the key is protected)."""

    type: ClassVar[str] = "file.decrypt.pgp"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        problems = list(_key_problems(params, "privateKey", secret=True))
        passphrase = params.get("passphrase")
        if isinstance(passphrase, str) and ("\n" in passphrase or "\r" in passphrase):
            problems.append(ParamProblem(("passphrase",), "must be one line (gpg reads it up to a line break)"))
        return problems

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._passphrase: str | None = params.get("passphrase") or None  # "" means none (python-gnupg quirk)
        self._pass_plain = bool(params.get("passThroughUnencrypted", False))

    def open(self) -> None:
        if self._passphrase is not None and ("\n" in self._passphrase or "\r" in self._passphrase):
            raise ValueError("param 'passphrase': must be one line (gpg reads it up to a line break)")
        keys = self._open_keyring("privateKey", secret=True)
        self.context.info(f"decrypting with key {', '.join(keys)}")

    def process_file(self, file: FileRef) -> FileRef:
        name = _decrypted_name(file.name)
        path = self.context.new_file_path(name)
        result = self._gpg().decrypt_file(str(file.path), passphrase=self._passphrase, output=str(path))
        if result.ok and result.returncode == 0 and path.exists():
            return FileRef.of(path, name)
        path.unlink(missing_ok=True)  # gpg may have written part of a tampered or truncated message
        if _not_openpgp(file, result):
            if self._pass_plain:
                self.context.info(f"{file.name}: not an OpenPGP message; passed on unchanged")
                return file
            raise RecordError(f"{file.name}: not an OpenPGP message")
        raise RecordError(f"{file.name}: cannot decrypt: {self._decrypt_reason(result)}")

    def _decrypt_reason(self, result: Any) -> str:
        stderr = result.stderr or ""
        if "NEED_PASSPHRASE" in stderr and ("can't get input" in stderr or "No passphrase" in stderr):
            return "privateKey is protected by a passphrase; set passphrase"
        if "Bad passphrase" in stderr:
            return "passphrase does not unlock privateKey"
        if "NO_SECKEY" in stderr and "DECRYPTION_KEY" not in stderr:
            ids = sorted(set(_ENC_TO.findall(stderr)))
            return f"not encrypted for privateKey (it is for key ID {', '.join(ids) or 'unknown'})"
        if "BADMDC" in stderr or "manipulated" in stderr:
            return "the file is truncated or was modified after it was encrypted (integrity check failed)"
        if "NODATA" in stderr:
            return "the OpenPGP data is broken or truncated"
        return f"corrupt or truncated file ({_gpg_reason(result)})"


def _not_openpgp(file: FileRef, result: Any) -> bool:
    """gpg found no OpenPGP data at all (not a broken message): no armor header and no packet in it."""
    stderr = result.stderr or ""
    if "NODATA" not in stderr or "NODATA 3" in stderr or "ENC_TO" in stderr:
        return False
    with open(file.path, "rb") as handle:
        return _MESSAGE_ARMOR not in handle.read(64 * 1024)


def _gpg_reason(result: Any) -> str:
    """gpg's last error line about the data (never about key material: those lines are not kept)."""
    lines = [line[5:].strip() for line in (result.stderr or "").splitlines() if line.startswith("gpg: ")]
    interesting = [line for line in lines if "failed" in line or "error" in line.lower() or "WARNING" in line]
    chosen = (interesting or lines or [str(result.status or "gpg failed")])[-1]
    return chosen


def _base_name(name: str) -> str:
    return Path(name.replace("\\", "/")).name or "file"


def _decrypted_name(name: str) -> str:
    lowered = name.lower()
    for suffix in _ENCRYPTED_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
