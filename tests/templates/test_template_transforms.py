"""The public IdentitySync templates, unchanged, with only their external services swapped for given records in
and captures out: every field.* and file.* step they use gives the expected output."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest

from dataflow.testing import CAPTURED, run_spliced
from steps.file.lzop import MAGIC, read_blocks, read_header
from tests.templates.reference import TEMPLATES

pytestmark = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="reference templates not present")


def template(name: str) -> dict[str, Any]:
    return json.loads((TEMPLATES / name).read_text())


def given(records: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    return ("testing.records", {"records": records})


CAPTURE_FILES = ("testing.capture.files", {})
CAPTURE_RECORDS = ("testing.capture.records", {})


def reconciled(status: dict[str, Any]) -> None:
    assert status["status"] == "succeeded", status.get("errorMessage")
    for step, counts in status["counters"].items():
        assert counts["in"] + counts["added"] == counts["out"] + counts["errors"] + counts["filtered"], step


def test_silverpop_outbound_gives_uid_email_subscribed_rows(tmp_path: Path) -> None:
    accounts = [
        {"UID": "u1", "profile": {"email": "ann@example.com"}, "data": {"subscribed": "true"}},
        {"UID": "u2", "profile": {"email": "ben@example.com"}, "data": {"subscribed": "false"}},
        {"UID": "u3", "profile": {"email": "cy@example.com"}, "data": {"subscribed": True}},
        {"UID": "u4", "profile": {"email": "di@example.com"}, "data": {}},
    ]
    status = run_spliced(
        template("silverpop-outbound.json"),
        {"account": given(accounts), "silverpop": CAPTURE_FILES},
        tmp_path,
    )
    reconciled(status)
    [(name, content)] = CAPTURED["silverpop"]
    assert name.endswith(".csv") and len(name) == len("YYMMdd_HHmm.csv")
    assert content.decode().splitlines() == [
        "GigyaUid,EMAIL,Subscribed",
        "u1,ann@example.com,Yes",
        "u2,ben@example.com,No",
        "u3,cy@example.com,Yes",
        "u4,di@example.com,No",
    ]


def test_silverpop_inbound_gives_gigya_account_updates(tmp_path: Path) -> None:
    contacts = [
        {"GigyaUid": "u1", "EMAIL": "ann@example.com", "Subscribed": "Yes"},
        {"GigyaUid": "u2", "EMAIL": "ben@example.com", "Subscribed": "No"},
    ]
    status = run_spliced(
        template("silverpop-inbound.json"),
        {"silverpop": given(contacts), "account": CAPTURE_RECORDS},
        tmp_path,
    )
    reconciled(status)
    assert CAPTURED["account"] == [
        {"UID": "u1", "profile": {"email": "ann@example.com"}, "data": {"subscribed": "true"}},
        {"UID": "u2", "profile": {"email": "ben@example.com"}, "data": {"subscribed": "false"}},
    ]


def test_epsilon_rename_replace_json_and_marker_file(tmp_path: Path) -> None:
    accounts = [
        {
            "UID": "u1",
            "profile": {"gender": "f", "birthYear": 1980, "education": {"school": "Café|High\nSchool"}},
            "data": {"user": {"location": "Zürich", "masterID": "m1"}},
        }
    ]
    status = run_spliced(
        template("exportToSFTP-epsilon.json"), {"account": given(accounts), "sftp": CAPTURE_FILES}, tmp_path
    )
    reconciled(status)
    files = dict(CAPTURED["sftp"])
    assert files["gigya.ok"] == b""
    [json_name] = [name for name in files if name.endswith(".json")]
    assert json_name.startswith("gigya-")
    records = json.loads(files[json_name])
    assert records == [
        {
            "UID": "u1",
            "profile.gender": "f",
            "profile.birthYear": 1980,
            "data.user.location": "Zrich",
            "data.user.masterID": "m1",
            "profile.education.school": "Caf High School",
        }
    ]


def test_export_to_sftp_quoted_dsv_through_gzip(tmp_path: Path) -> None:
    flow = template("exportToSFTP-fromGigyaToSFTP.json")
    renames = {step["id"]: step for step in flow["steps"]}["rename"]["params"]["fields"]
    account: dict[str, Any] = {}
    for item in renames:  # every source field of the template's rename, with a value
        node = account
        *parents, leaf = item["sourceField"].split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = f"v-{leaf}"
    status = run_spliced(flow, {"account": given([account]), "sftp": CAPTURE_FILES}, tmp_path)
    reconciled(status)
    [(name, content)] = CAPTURED["sftp"]
    assert name.endswith(".gz")
    rows = list(csv.reader(io.StringIO(gzip.decompress(content).decode())))
    header, values = rows
    assert header == [item["targetField"] for item in renames]
    assert values == [f"v-{item['sourceField'].split('.')[-1]}" for item in renames]
    assert gzip.decompress(content).decode().startswith('"MAIL","NAME"')  # quoteFields: every field quoted


def test_import_from_sftp_parses_and_renames(tmp_path: Path) -> None:
    flow = template("importFromSFTP-inbound.json")
    steps = {step["id"]: step for step in flow["steps"]}
    separator = steps["dsv"]["params"].get("columnSeparator", ",") if "dsv" in steps else ","
    renames = next(step for step in flow["steps"] if step["type"] == "field.rename")["params"]["fields"]
    header = [item["sourceField"] for item in renames]
    source = tmp_path / "in.csv"
    source.write_text(separator.join(header) + "\n" + separator.join(f"x{i}" for i in range(len(header))) + "\n")
    reader = next(step["id"] for step in flow["steps"] if step["type"] == "datasource.read.sftp")
    writer = next(step["id"] for step in flow["steps"] if step["type"] == "datasource.write.gigya.account")
    status = run_spliced(flow, {reader: ("testing.files", {"paths": [str(source)]}), writer: CAPTURE_RECORDS}, tmp_path)
    reconciled(status)
    [record] = CAPTURED[writer]
    flat = json.dumps(record)
    for index, item in enumerate(renames):
        assert f'"x{index}"' in flat, item


def test_krux_attributes_through_lzo_with_its_index(tmp_path: Path) -> None:
    accounts = [
        {"UID": "u1", "profile": {"gender": "f", "age": 34, "likes": [{"name": "Jazz"}, {"name": "Chess"}]}},
        {"UID": "u2", "profile": {"gender": "m"}},
    ]
    status = run_spliced(template("krux-outbound.json"), {"account": given(accounts), "s3": CAPTURE_FILES}, tmp_path)
    reconciled(status)
    files = dict(CAPTURED["s3"])
    assert sorted(files) == ["Gigya_Krux_M6.csv.lzo", "Gigya_Krux_M6.csv.lzo.index"]
    packed = tmp_path / "k.lzo"
    packed.write_bytes(files["Gigya_Krux_M6.csv.lzo"])
    with packed.open("rb") as source:
        header = read_header(source)
        text = b"".join(read_blocks(source, header.flags)).decode()
    assert header.name == "Gigya_Krux_M6.csv"
    assert text.splitlines() == ["u1^g_gender:f;g_age:34;likes:Jazz,Chess", "u2^g_gender:m"]
    assert files["Gigya_Krux_M6.csv.lzo.index"] == struct.pack(">q", len(MAGIC) + 29 + len("Gigya_Krux_M6.csv"))


def test_adobe_audience_manager_traits(tmp_path: Path) -> None:
    flow = template("exportToSFTP-adobeAudience.json")
    next(step for step in flow["steps"] if step["id"] == "aam")["params"]["dpid"] = "4242"  # the customer's id
    accounts = [{"UID": "u1", "profile": {"gender": "f", "birthYear": 1990, "industry": "Retail"}}]
    status = run_spliced(flow, {"account": given(accounts), "sftp": CAPTURE_FILES}, tmp_path)
    reconciled(status)
    [(name, content)] = CAPTURED["sftp"]
    assert re.fullmatch(r"ftp_dpm_4242_\d{10}\.sync", name)
    assert content.decode() == 'u1\t"gender"="f","birthYear"="1990","industry"="Retail"\n'


def test_game_mechanics_fan_out_extract_and_fan_in(tmp_path: Path) -> None:
    accounts = [
        {"UID": "u1", "profile": {"firstName": "Ann"}, "achievements": [{"challenge": "c1"}, {"challenge": "c2"}]},
        {"UID": "u2", "profile": {"firstName": "Ben"}, "achievements": [{"challenge": "c1"}]},
    ]
    status = run_spliced(
        template("gameMechanics-outbound.json"),
        {"account": given(accounts), "gm": CAPTURE_RECORDS, "sftp": CAPTURE_FILES},
        tmp_path,
    )
    reconciled(status)
    assert status["counters"]["extractAchievements"]["added"] == 1
    files = dict(CAPTURED["sftp"])
    [gm_name] = [name for name in files if name.startswith("test_GM_")]
    rows = list(csv.DictReader(io.StringIO(files[gm_name].decode())))
    assert [(row["UID"], row["challenge"]) for row in rows] == [("u1", "c1"), ("u1", "c2"), ("u2", "c1")]
    [json_name] = [name for name in files if name.startswith("test_Accounts_")]
    assert [record["UID"] for record in json.loads(files[json_name])] == ["u1", "u2"]


@pytest.mark.parametrize(
    "name",
    [
        "bluekia-bluekia.json",
        "campaingMonitor-inbound.json",
        "campaingMonitor-outbound.json",
        "constantContact-inbound.json",
        "constantContact-outbound.json",
        "mailchimp-inbound.json",
        "mailchimp-outbound.json",
        "marketo-inbound.json",
        "marketo-outbound.json",
        "salesforce-marketingCloud.json",
        "salesforce-salesforce.json",
        "azureSas-azureSas.json",
    ],
)
def test_other_templates_run_their_transforms(name: str, tmp_path: Path) -> None:
    """Service readers/writers swapped out; every transform and formatter in between runs and reconciles."""
    flow = template(name)
    replacements: dict[str, tuple[str, dict[str, Any]]] = {}
    for step in flow["steps"]:
        kind = step["type"]
        if kind.startswith("datasource.read."):
            record = {"UID": "u1", "email": "a@example.com", "status": "subscribed", "profile": {"email": "a@x.com"}}
            replacements[step["id"]] = given([record])
        elif kind.startswith("datasource.write."):
            feeds_files = any(
                other["type"].startswith("file.") and step["id"] in other.get("next", []) for other in flow["steps"]
            )
            replacements[step["id"]] = CAPTURE_FILES if feeds_files else CAPTURE_RECORDS
    status = run_spliced(flow, replacements, tmp_path)
    reconciled(status)
    assert sum(len(items) for items in CAPTURED.values()) >= 1
