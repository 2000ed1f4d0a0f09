"""Every public template validates once its connection params are filled in: every component they name is built,
and the blank connection params are the only findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataflow import jsonio
from dataflow.validation import validate_text
from tests.templates.reference import TEMPLATES, load

pytestmark = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="reference templates not present")
FILLED = {
    "apiUrl": "https://<dc>.api.mailchimp.com/3.0/",
    "apiKey": "0123456789abcdef0123456789abcdef-us6",
    "listId": "1234567",
    "baseUrl": "https://123-ABC-456.mktorest.com",
    "clientId": "client-id",
    "clientSecret": "${env:CLIENT_SECRET}",
    "accessToken": "${env:ACCESS_TOKEN}",
    "refreshToken": "${env:REFRESH}",
    "secretKey": "${env:BLUEKAI_SECRET}",
    "siteId": "12345",
    "bkuid": "bkuid-0123",
    "username": "user@example.com",
    "password": "${env:PASSWORD}",
    "token": "${env:SF_TOKEN}",
    "authEndpoint": "https://test.salesforce.com/services/Soap/u/59.0",
    "primaryId": "ZZ00_rtl_id__c",
    "lookupId": "ZZ00_rtl_id__c",
    "host": "sftp.example.com",
    "remotePath": "/upload",
    "dpid": "12345",  # AAM's data source id
}


def test_every_template_validates_with_its_connection_filled_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    monkeypatch.setenv("DATAFLOW_SFTP_KNOWN_HOSTS", str(known_hosts))
    files = sorted(TEMPLATES.glob("*.json"))
    assert len(files) == 21
    for file in files:
        flow = load(file.name)
        for step in flow["steps"]:
            for name, value in (step.get("params") or {}).items():
                if value in ("", "...", "....") and name in FILLED:
                    step["params"][name] = FILLED[name]
        result = validate_text(jsonio.dumps_pretty(flow), file.name)
        assert not result.diagnostics, [d.format() for d in result.diagnostics]
