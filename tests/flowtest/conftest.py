"""A small flow with a reader, transforms, a formatter and a writer, and helpers to write test files beside it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

FLOW = """\
name: contacts
steps:
  - id: account
    type: datasource.read.gigya.account
    params: {select: "UID,profile.email,data.tier"}
    next: [rename]
  - id: rename
    type: field.rename
    params:
      fields:
        - {sourceField: UID, targetField: GigyaUid}
        - {sourceField: profile.email, targetField: EMAIL}
    next: [tier]
  - id: tier
    type: field.evaluate
    params:
      language: jexl
      fields:
        - {field: Tier, expression: "data.tier == null ? 'none' : data.tier"}
    next: [remove]
  - id: remove
    type: field.remove
    params: {fields: [profile, data]}
    next: [dsv]
  - id: dsv
    type: file.format.dsv
    params: {fileName: "contacts_${now:yyyyMMdd}.csv", columnSeparator: ","}
    next: [upload]
  - id: upload
    type: datasource.write.sftp
    params: {host: sftp.example.com, username: u, password: "${env:SFTP_PASSWORD}", remotePath: /in}
"""

ACCOUNTS = """\
    feed:
      records:
        - {UID: u1, profile: {email: ann@example.com}, data: {tier: gold}}
        - {UID: u2, profile: {email: ben@example.com}}
"""


@pytest.fixture
def flow_dir(tmp_path: Path) -> Path:
    (tmp_path / "contacts.yaml").write_text(FLOW)
    return tmp_path


def write_test(directory: Path, body: str, name: str = "contacts.test.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(body))
    return path
