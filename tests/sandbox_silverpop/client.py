"""A deliberately small XML API client for the sandbox tests (requests + ElementTree).

It is not the project's Silverpop client: the tests must check the sandbox against the reference, not against
code that shares its assumptions. ``call`` returns the raw HTTP answer; ``ok``/``fault`` parse the envelope.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncssh
import requests

from sandbox.silverpop import SilverpopSandbox

T = TypeVar("T")


def envelope(operation: str, body: str = "") -> str:
    return f"<Envelope><Body><{operation}>{body}</{operation}></Body></Envelope>"


def columns(**values: str) -> str:
    return "".join(f"<COLUMN><NAME>{name}</NAME><VALUE>{value}</VALUE></COLUMN>" for name, value in values.items())


class XmlClient:
    def __init__(self, sandbox: SilverpopSandbox) -> None:
        self.sandbox = sandbox
        self.session = requests.Session()
        self.token: str | None = None

    def refresh(self) -> str:
        config = self.sandbox.config
        answer = self.session.post(
            self.sandbox.token_url,
            data={
                "grant_type": "refresh_token",
                "client_id": config.client_id,
                "client_secret": config.client_secret,
                "refresh_token": config.refresh_token,
            },
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["access_token"]
        return self.token

    def call(self, xml: str, token: str | None = None) -> requests.Response:
        if token is None and self.token is None:
            self.refresh()
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return self.session.post(self.sandbox.api_url, data={"xml": xml}, headers=headers, timeout=30)

    def result(self, xml: str) -> ET.Element:
        answer = self.call(xml)
        assert answer.status_code == 200, (answer.status_code, answer.text)
        return ET.fromstring(answer.content)

    def ok(self, operation: str, body: str = "") -> ET.Element:
        """The RESULT element of a successful call."""
        root = self.result(envelope(operation, body))
        result = root.find("Body/RESULT")
        assert result is not None and result.findtext("SUCCESS") == "TRUE", ET.tostring(root)
        return result

    def fault(self, operation: str, body: str = "") -> tuple[int, str, str]:
        """(errorid, class, FaultString) of a faulted call."""
        root = self.result(envelope(operation, body))
        assert root.findtext("Body/RESULT/SUCCESS") == "false", ET.tostring(root)
        error = root.find("Body/Fault/detail/error")
        assert error is not None
        return (
            int(error.findtext("errorid") or 0),
            error.findtext("class") or "",
            root.findtext("Body/Fault/FaultString") or "",
        )

    def job_status(self, job_id: str) -> tuple[str, dict[str, str]]:
        result = self.ok("GetJobStatus", f"<JOB_ID>{job_id}</JOB_ID>")
        parameters = {
            node.findtext("NAME") or "": node.findtext("VALUE") or "" for node in result.findall("PARAMETERS/PARAMETER")
        }
        return result.findtext("JOB_STATUS") or "", parameters


def sftp(
    sandbox: SilverpopSandbox, username: str, password: str, action: Callable[[asyncssh.SFTPClient], Awaitable[T]]
) -> T:
    """Run ``action`` with an SFTP client logged in as ``username``/``password`` (password auth only)."""

    async def run() -> T:
        async with (
            asyncssh.connect(
                sandbox.host,
                sandbox.sftp_port,
                username=username,
                password=password,
                known_hosts=None,
                client_keys=None,
                agent_path=None,
                preferred_auth="password",
            ) as connection,
            connection.start_sftp_client() as client,
        ):
            return await action(client)

    return asyncio.run(run())


async def put_bytes(client: asyncssh.SFTPClient, path: str, data: bytes) -> None:
    async with client.open(path, "wb") as handle:
        await handle.write(data)


async def get_bytes(client: asyncssh.SFTPClient, path: str) -> bytes:
    async with client.open(path, "rb") as handle:
        return await handle.read()
