"""The SFTP server: logins (configured user, ``oauth`` + access token), the chroot, upload/download."""

from __future__ import annotations

import asyncssh
import pytest

from sandbox.silverpop import ManualClock, SilverpopSandbox
from tests.sandbox_silverpop.client import get_bytes, put_bytes, sftp


def test_configured_user_can_upload_and_read_back(silverpop: SilverpopSandbox) -> None:
    config = silverpop.config

    async def action(client: asyncssh.SFTPClient) -> tuple[list[str], bytes]:
        await put_bytes(client, "upload/hello.csv", b"a,b\n")
        return sorted(await client.listdir(".")), await get_bytes(client, "/upload/hello.csv")

    listing, data = sftp(silverpop, config.sftp_username, config.sftp_password, action)
    assert {"upload", "download"} <= set(listing)
    assert data == b"a,b\n"
    assert (silverpop.upload_dir / "hello.csv").read_bytes() == b"a,b\n"


def test_oauth_user_with_a_valid_access_token(silverpop: SilverpopSandbox) -> None:
    token = silverpop.issue_token()

    async def action(client: asyncssh.SFTPClient) -> list[str]:
        return list(await client.listdir("download"))

    assert set(sftp(silverpop, "oauth", token, action)) >= {".", ".."}


def test_bad_or_expired_credentials_are_refused(silverpop: SilverpopSandbox, silverpop_clock: ManualClock) -> None:
    async def action(client: asyncssh.SFTPClient) -> None:
        return None

    with pytest.raises(asyncssh.PermissionDenied):
        sftp(silverpop, silverpop.config.sftp_username, "wrong", action)
    with pytest.raises(asyncssh.PermissionDenied):
        sftp(silverpop, "oauth", "forged-token", action)
    token = silverpop.issue_token()
    silverpop_clock.advance(silverpop.config.token_ttl_s + 1)
    with pytest.raises(asyncssh.PermissionDenied):
        sftp(silverpop, "oauth", token, action)


def test_the_chroot_holds(silverpop: SilverpopSandbox) -> None:
    config = silverpop.config

    async def action(client: asyncssh.SFTPClient) -> tuple[str, list[str]]:
        return await client.realpath("/../../.."), sorted(await client.listdir("/.."))

    root, listing = sftp(silverpop, config.sftp_username, config.sftp_password, action)
    assert root == "/"
    assert [name for name in listing if name not in (".", "..")] == ["download", "upload"]


def test_files_can_be_deleted_in_both_directories(silverpop: SilverpopSandbox) -> None:
    (silverpop.download_dir / "old.CSV").write_text("x")
    config = silverpop.config

    async def action(client: asyncssh.SFTPClient) -> None:
        await put_bytes(client, "upload/stale.csv", b"x")
        await client.remove("upload/stale.csv")
        await client.remove("/download/old.CSV")

    sftp(silverpop, config.sftp_username, config.sftp_password, action)
    assert not (silverpop.upload_dir / "stale.csv").exists()
    assert not (silverpop.download_dir / "old.CSV").exists()
