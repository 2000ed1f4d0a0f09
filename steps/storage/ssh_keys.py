"""SSH keys for the SFTP steps: which server host keys a step trusts, and the client's own key.

Why this is strict: an SFTP step sends customer data and a password or key to whatever answers at ``host``.
Accepting an unknown host key, even once, would hand both to anyone who can redirect the connection. So a
step must say which key it expects, in one of three ways (any mix of them is a union):

- ``hostKeyFingerprint``: ``SHA256:…`` as ``ssh-keygen -lf`` prints it (legacy ``MD5:aa:bb:…`` accepted),
  several separated by commas; the easiest to get: ``ssh-keyscan -p PORT HOST | ssh-keygen -lf -``;
- ``hostKey``: the public key itself (``ssh-ed25519 AAAA…``, one per line, a leading host field is ignored);
- ``knownHosts``: the text of an OpenSSH ``known_hosts`` file (hashed names, ``[host]:port``, wildcards,
  ``@cert-authority`` and ``@revoked`` all work).

When a step sets none of them, the site-wide ``known_hosts`` file named by ``DATAFLOW_SFTP_KNOWN_HOSTS`` (in
the job's environment) is used; when there is none either, the flow does not validate. The step's own
settings win over the site-wide file (a pin must not be widened by an older entry elsewhere).

Nothing here formats a password, private key or passphrase into a message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from dataflow.errors import FatalError

SITE_KNOWN_HOSTS = "DATAFLOW_SFTP_KNOWN_HOSTS"
HOST_KEY_PARAMS = ("hostKeyFingerprint", "hostKey", "knownHosts")

_SHA256 = re.compile(r"SHA256:([A-Za-z0-9+/]{43})=?", re.IGNORECASE)
_MD5 = re.compile(r"(?:MD5:)?((?:[0-9a-f]{2}:){15}[0-9a-f]{2})", re.IGNORECASE)
_KEY_TYPE = re.compile(r"^(ssh-|ecdsa-|sk-)")

# Host key algorithm families, in the order asyncssh prefers them. A fingerprint does not say which kind of
# key it belongs to; when the key the server showed first does not match, the others are asked for in turn.
HOST_KEY_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("ssh-ed25519",),
    ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"),
    ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"),
)


def keyscan_hint(host: str, port: int) -> str:
    return f"ssh-keyscan -p {port} {host} | ssh-keygen -lf -"


def fingerprint(key: asyncssh.SSHKey) -> str:
    return key.get_fingerprint("sha256")


def describe_key(key: asyncssh.SSHKey) -> str:
    """``ssh-ed25519 SHA256:…``: what a person compares with ``ssh-keygen -l`` output."""
    return f"{key.algorithm.decode()} {fingerprint(key)}"


def family_of(key: asyncssh.SSHKey) -> int | None:
    algorithm = key.algorithm.decode()
    return next((index for index, family in enumerate(HOST_KEY_FAMILIES) if algorithm in family), None)


def _has_placeholder(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


# parsing ---------------------------------------------------------------------------------------------------
def parse_fingerprints(text: str) -> list[str]:
    """Normalised fingerprints from a comma- or space-separated list; ValueError names the first bad one."""
    found: list[str] = []
    for token in re.split(r"[,\s]+", text.strip()):
        if not token:
            continue
        sha = _SHA256.fullmatch(token)
        if sha:
            found.append("SHA256:" + sha.group(1))
            continue
        md5 = _MD5.fullmatch(token)
        if md5:
            found.append("MD5:" + md5.group(1).lower())
            continue
        shown = token if len(token) <= 60 else token[:57] + "..."
        raise ValueError(f"'{shown}' is not a host key fingerprint; expected SHA256:<43 base64 characters>")
    if not found:
        raise ValueError("no fingerprint given")
    return found


def parse_host_keys(text: str) -> list[asyncssh.SSHKey]:
    """Public keys, one per line (``type base64 [comment]``; a known_hosts-style leading host field is skipped)."""
    keys: list[asyncssh.SSHKey] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        start = next((i for i, item in enumerate(fields) if _KEY_TYPE.match(item)), None)
        if start is None or start + 1 >= len(fields):
            raise ValueError(f"line {number} is not a public key such as 'ssh-ed25519 AAAA...'")
        try:
            keys.append(asyncssh.import_public_key(" ".join(fields[start : start + 2])))
        except (asyncssh.KeyImportError, ValueError):
            raise ValueError(f"line {number} is not a valid {fields[start]} public key") from None
    if not keys:
        raise ValueError("no public key given")
    return keys


def parse_known_hosts(text: str) -> asyncssh.SSHKnownHosts:
    try:
        return asyncssh.import_known_hosts(text)
    except (asyncssh.KeyImportError, ValueError) as problem:
        raise ValueError(f"not a valid known_hosts text: {problem}") from None


def load_client_key(text: str, passphrase: str | None) -> asyncssh.SSHKey:
    """The client's private key (OpenSSH, PKCS#1 or PKCS#8 PEM); messages never quote the key or passphrase."""
    try:
        return asyncssh.import_private_key(text.strip() + "\n", passphrase or None)
    except asyncssh.KeyEncryptionError:
        if passphrase:
            raise FatalError("privateKey could not be decrypted: the passphrase is wrong") from None
        raise FatalError("privateKey is encrypted: set passphrase") from None
    except (asyncssh.KeyImportError, ValueError) as problem:
        reason = str(problem)
        if "passphrase" in reason.lower():
            raise FatalError("privateKey is encrypted: set passphrase (or the passphrase is wrong)") from None
        raise FatalError("privateKey is not a private key in OpenSSH or PEM format") from None


# validation ------------------------------------------------------------------------------------------------
def check_host_key_params(params: Mapping[str, Any], environ: Mapping[str, str]) -> list[tuple[str | None, str]]:
    """Problems with the host-key params as (param or None, message), for ``check_params``.

    ``environ`` is the validating process's environment: a site-wide known_hosts there makes the step's own
    settings optional.
    """
    problems: list[tuple[str | None, str]] = []
    configured = [name for name in HOST_KEY_PARAMS if str(params.get(name) or "").strip()]
    for name in configured:
        value = params[name]
        if _has_placeholder(value):
            continue
        try:
            if name == "hostKeyFingerprint":
                parse_fingerprints(value)
            elif name == "hostKey":
                parse_host_keys(value)
            else:
                known = parse_known_hosts(value)
                host, port = params.get("host"), int(params.get("port") or 22)
                if isinstance(host, str) and not _has_placeholder(host) and not _lists(known, host, port):
                    problems.append((name, f"knownHosts has no entry for {_where(host, port)}"))
        except ValueError as problem:
            problems.append((name, f"{name}: {problem}"))
    if not configured and not environ.get(SITE_KNOWN_HOSTS):
        host = str(params.get("host") or "HOST")
        port = int(params.get("port") or 22)
        problems.append(
            (
                None,
                f"no host key configured for {_where(host, port)}: the server's identity must be checked. "
                f"Set hostKeyFingerprint to the SHA256 fingerprint (get it with `{keyscan_hint(host, port)}` "
                "and check it with the server's owner), or hostKey / knownHosts, or point "
                f"{SITE_KNOWN_HOSTS} at a site-wide known_hosts file",
            )
        )
    return problems


def _where(host: str, port: int) -> str:
    return host if port == 22 else f"{host}:{port}"


def _lists(known: asyncssh.SSHKnownHosts, host: str, port: int) -> bool:
    keys, ca_keys, *_ = known.match(host, "", port if port != 22 else None)
    return bool(keys or ca_keys)


# the trust a connection uses ----------------------------------------------------------------------------------
@dataclass
class HostKeyTrust:
    """What one step trusts, and what the server showed (for the message when they disagree)."""

    host: str
    port: int
    fingerprints: list[str] = field(default_factory=list)
    keys: list[asyncssh.SSHKey] = field(default_factory=list)
    known_hosts: asyncssh.SSHKnownHosts | None = None
    source: str = ""  # e.g. "hostKeyFingerprint", "the site-wide known_hosts file /etc/…"
    presented: list[asyncssh.SSHKey] = field(default_factory=list)
    listed: bool = False  # whether known_hosts had anything for this host
    pins_keys: bool = False  # whether whole keys are trusted for this host (they decide the algorithms asked for)

    @classmethod
    def from_params(cls, params: Mapping[str, Any], environ: Mapping[str, str]) -> HostKeyTrust:
        host, port = str(params["host"]), int(params.get("port") or 22)
        trust = cls(host, port)
        sources: list[str] = []
        try:
            if str(params.get("hostKeyFingerprint") or "").strip():
                trust.fingerprints = parse_fingerprints(params["hostKeyFingerprint"])
                sources.append("hostKeyFingerprint")
            if str(params.get("hostKey") or "").strip():
                trust.keys = parse_host_keys(params["hostKey"])
                sources.append("hostKey")
            if str(params.get("knownHosts") or "").strip():
                trust.known_hosts = parse_known_hosts(params["knownHosts"])
                sources.append("knownHosts")
        except ValueError as problem:
            raise FatalError(str(problem)) from None
        if not sources:
            path = environ.get(SITE_KNOWN_HOSTS)
            if not path:
                raise FatalError(
                    f"no host key configured for {_where(host, port)}: set hostKeyFingerprint (get it with "
                    f"`{keyscan_hint(host, port)}`), hostKey or knownHosts, or {SITE_KNOWN_HOSTS}"
                )
            try:
                trust.known_hosts = parse_known_hosts(Path(path).read_text(encoding="utf-8"))
            except OSError as problem:
                raise FatalError(f"cannot read {SITE_KNOWN_HOSTS} file {path}: {problem.strerror}") from None
            except ValueError as problem:
                raise FatalError(f"{SITE_KNOWN_HOSTS} file {path}: {problem}") from None
            sources.append(f"the site-wide known_hosts file {path}")
        trust.source = " and ".join(sources)
        return trust

    # asyncssh hooks ----------------------------------------------------------------------------------------
    def known_hosts_arg(self, host: str, addr: str, port: int) -> tuple[list, list, list]:
        """asyncssh's ``known_hosts`` callable: the keys and CA keys trusted for this host, and revoked keys.

        Giving asyncssh the trusted keys (rather than only a callback) lets it negotiate a host key algorithm
        the pinned keys have.
        """
        keys: list[asyncssh.SSHKey] = list(self.keys)
        ca_keys: list[asyncssh.SSHKey] = []
        revoked: list[asyncssh.SSHKey] = []
        if self.known_hosts is not None:
            matched = self.known_hosts.match(host, addr, port if port != 22 else None)
            keys += list(matched[0])
            ca_keys += list(matched[1])
            revoked += list(matched[2])
            self.listed = bool(matched[0] or matched[1])
        self.pins_keys = bool(keys)
        return keys, ca_keys, revoked

    def accepts(self, key: asyncssh.SSHKey) -> bool:
        """Called by asyncssh for a key it did not find among the trusted ones: the fingerprint pins."""
        self.presented.append(key)
        if not self.fingerprints:
            return False
        return fingerprint(key) in self.fingerprints or key.get_fingerprint("md5") in self.fingerprints

    @property
    def fingerprint_only(self) -> bool:
        return bool(self.fingerprints) and not self.keys and self.known_hosts is None

    def expected(self) -> list[str]:
        found = list(self.fingerprints) + [describe_key(key) for key in self.keys]
        if self.known_hosts is not None:
            keys, ca_keys, *_ = self.known_hosts.match(self.host, "", self.port if self.port != 22 else None)
            found += [describe_key(key) for key in keys]
            found += [f"a certificate signed by {describe_key(key)}" for key in ca_keys]
        return list(dict.fromkeys(found))

    def mismatch(self, reason: str = "") -> FatalError:
        """The failure to report after every offered key was refused: host, both sides' fingerprints, what to do."""
        where = _where(self.host, self.port)
        shown = ", ".join(dict.fromkeys(describe_key(key) for key in self.presented)) or "a key it refused"
        expected = self.expected()
        if self.known_hosts is not None and not self.listed and not (self.fingerprints or self.keys):
            return FatalError(
                f"host key of {where} cannot be checked: {self.source} has no entry for it. The server presented "
                f"{shown}; if that is the server's key (ask its owner), add the line printed by "
                f"`ssh-keyscan -p {self.port} {self.host}`"
            )
        if not self.presented and reason:
            return FatalError(f"host key of {where} was rejected: {reason} (checked against {self.source})")
        return FatalError(
            f"host key mismatch for {where}: the server presented {shown}, but {self.source} expects "
            f"{', '.join(expected) or 'another key'}. If the server's key was changed on purpose, update "
            f"{self.source.split(' and ')[0]}; otherwise someone may be intercepting the connection"
        )
