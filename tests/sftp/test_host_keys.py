"""Host-key settings of the SFTP steps, without a server: parsing, validation findings, trust resolution."""

from __future__ import annotations

import subprocess
from pathlib import Path

import asyncssh
import pytest

from dataflow.errors import FatalError
from steps.storage.remote import remote_name
from steps.storage.ssh_keys import (
    SITE_KNOWN_HOSTS,
    HostKeyTrust,
    check_host_key_params,
    fingerprint,
    load_client_key,
    parse_fingerprints,
    parse_host_keys,
)

KEY = asyncssh.generate_private_key("ssh-ed25519")
PUBLIC = KEY.export_public_key().decode().strip()
OTHER = asyncssh.generate_private_key("ssh-ed25519")


def test_fingerprint_is_what_ssh_keygen_prints(tmp_path: Path) -> None:
    path = tmp_path / "key.pub"
    path.write_text(PUBLIC + "\n")
    printed = subprocess.run(["ssh-keygen", "-lf", str(path)], capture_output=True, text=True, check=False)
    if printed.returncode != 0:
        pytest.skip("ssh-keygen is not installed")
    assert printed.stdout.split()[1] == fingerprint(KEY)


def test_fingerprints_parse_leniently_but_reject_anything_else() -> None:
    sha = fingerprint(KEY)
    md5 = KEY.get_fingerprint("md5")
    assert parse_fingerprints(f"{sha}=, {md5.upper().replace('MD5:', '')}") == [sha, md5]
    with pytest.raises(ValueError, match="not a host key fingerprint"):
        parse_fingerprints("256 " + sha)
    with pytest.raises(ValueError, match="not a host key fingerprint"):
        parse_fingerprints("SHA256:short")


def test_host_keys_accept_a_known_hosts_style_line_and_report_bad_lines() -> None:
    keys = parse_host_keys(f"# pinned\nsftp.example.com {PUBLIC}\n{OTHER.export_public_key().decode()}")
    assert [fingerprint(key) for key in keys] == [fingerprint(KEY), fingerprint(OTHER)]
    with pytest.raises(ValueError, match="line 1 is not a valid ssh-ed25519 public key"):
        parse_host_keys("ssh-ed25519 AAAAnotbase64")
    with pytest.raises(ValueError, match="line 2 is not a public key"):
        parse_host_keys(f"{PUBLIC}\nhello world")


def test_no_host_key_is_a_finding_that_says_how_to_get_one() -> None:
    found = check_host_key_params({"host": "sftp.example.com", "port": 2222}, {})
    assert len(found) == 1
    name, message = found[0]
    assert name is None
    assert "no host key configured for sftp.example.com:2222" in message
    assert "ssh-keyscan -p 2222 sftp.example.com | ssh-keygen -lf -" in message
    assert check_host_key_params({"host": "h"}, {SITE_KNOWN_HOSTS: "/etc/ssh/ssh_known_hosts"}) == []


def test_host_key_params_are_checked_where_they_are_written() -> None:
    params = {
        "host": "sftp.example.com",
        "port": 2222,
        "hostKeyFingerprint": "MD5:zz",
        "hostKey": "not a key",
        "knownHosts": f"other.example.com {PUBLIC}\n",
    }
    found = dict(check_host_key_params(params, {}))
    assert "not a host key fingerprint" in found["hostKeyFingerprint"]
    assert "line 1 is not a public key" in found["hostKey"]
    assert found["knownHosts"] == "knownHosts has no entry for sftp.example.com:2222"
    templated = {"host": "${env:SFTP_HOST}", "hostKeyFingerprint": "${env:SFTP_FINGERPRINT}"}
    assert check_host_key_params(templated, {}) == []


def test_trust_prefers_the_steps_own_settings_over_the_site_file(tmp_path: Path) -> None:
    site = tmp_path / "known_hosts"
    site.write_text(f"sftp.example.com {OTHER.export_public_key().decode()}")
    own = HostKeyTrust.from_params(
        {"host": "sftp.example.com", "hostKeyFingerprint": fingerprint(KEY)}, {SITE_KNOWN_HOSTS: str(site)}
    )
    assert own.source == "hostKeyFingerprint"
    assert own.known_hosts is None
    fallback = HostKeyTrust.from_params({"host": "sftp.example.com"}, {SITE_KNOWN_HOSTS: str(site)})
    assert fallback.source == f"the site-wide known_hosts file {site}"
    keys, _, _ = fallback.known_hosts_arg("sftp.example.com", "192.0.2.1", 22)
    assert [fingerprint(key) for key in keys] == [fingerprint(OTHER)]
    with pytest.raises(FatalError, match="cannot read DATAFLOW_SFTP_KNOWN_HOSTS file"):
        HostKeyTrust.from_params({"host": "h"}, {SITE_KNOWN_HOSTS: str(tmp_path / "missing")})
    with pytest.raises(FatalError, match="no host key configured for h"):
        HostKeyTrust.from_params({"host": "h"}, {})


def test_mismatch_names_the_host_and_both_fingerprints() -> None:
    trust = HostKeyTrust.from_params({"host": "sftp.example.com", "hostKeyFingerprint": fingerprint(KEY)}, {})
    assert trust.accepts(OTHER) is False
    message = str(trust.mismatch())
    assert "host key mismatch for sftp.example.com" in message
    assert fingerprint(OTHER) in message and fingerprint(KEY) in message
    assert trust.accepts(KEY) is True


def test_client_key_errors_never_quote_the_key_or_passphrase() -> None:
    encrypted = KEY.export_private_key(passphrase="correct horse battery", rounds=16, ignore_few_rounds=True).decode()
    assert fingerprint(load_client_key(encrypted, "correct horse battery")) == fingerprint(KEY)
    for passphrase, expected in ((None, "set passphrase"), ("wrong passphrase!", "passphrase")):
        with pytest.raises(FatalError, match=expected) as caught:
            load_client_key(encrypted, passphrase)
        assert "PRIVATE KEY" not in str(caught.value)
        assert "wrong passphrase!" not in str(caught.value)
    with pytest.raises(FatalError, match="not a private key") as caught:
        load_client_key(
            "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LXN0dWZm\n-----END OPENSSH PRIVATE KEY-----", None
        )
    assert "c2VjcmV0LXN0dWZm" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.csv", "report.csv"),
        ("../../etc/passwd", "passwd"),
        ("a\\..\\b.csv", "b.csv"),
        ("dir/x y.csv", "x y.csv"),
    ],
)
def test_remote_names_never_leave_the_directory(name: str, expected: str) -> None:
    assert remote_name(name, "an SFTP server") == expected


@pytest.mark.parametrize("name", ["", "..", "dir/..", "a/", "bad\nname.csv", "nul\x00.csv"])
def test_unusable_remote_names_are_record_errors(name: str) -> None:
    from dataflow.errors import RecordError

    with pytest.raises(RecordError, match="cannot be used on an SFTP server"):
        remote_name(name, "an SFTP server")
