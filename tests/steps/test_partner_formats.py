"""file.format.aam and file.format.krux: the exact lines each platform ingests, the file names AAM requires, and
records the formats cannot carry sent down the error path with the reason."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dataflow.testing import build_component, drive

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def run(tmp_path: Path, type_name: str, records: list[dict[str, Any]], **params: Any):
    component = build_component(type_name, params, tmp_path / "work", now=NOW)
    files, rejected = drive(component, [records])
    assert component.counters.reconciles(), component.counters
    return files, rejected


def test_aam_lines_and_file_name(tmp_path: Path) -> None:
    records = [
        {"UID": "u1", "gender": "f", "age": 31, "profile": {"city": "Paris"}, "empty": "", "none": None},
        {"UID": "u2", "subscribed": True, "interests": ["golf", "wine"]},
        {"UID": "u3", "note": 'say "hi"'},
        {"gender": "m"},
        {"UID": "u5"},
    ]
    [file], rejected = run(tmp_path, "file.format.aam", records, dpid="21")
    assert file.name == f"ftp_dpm_21_{int(NOW.timestamp())}.sync"
    assert file.path.read_text().splitlines() == [
        'u1\t"gender"="f","age"="31","profile.city"="Paris"',
        'u2\t"subscribed"="true","interests"="golf","interests"="wine"',
    ]
    assert [message for _, message, _ in rejected] == [
        "field 'note' holds a double quote, tab or line break, which AAM files cannot carry",
        "the record has no UID (the user id; see userIdField)",
        "the record has no trait values besides the user id",
    ]


def test_aam_overwrite_name_and_own_user_id(tmp_path: Path) -> None:
    [file], _ = run(
        tmp_path, "file.format.aam", [{"GigyaUid": "g1", "x": 1}], dpid=7, overwrite=True, userIdField="GigyaUid"
    )
    assert file.name.endswith(".overwrite") and file.name.startswith("ftp_dpm_7_")
    assert file.path.read_text() == 'g1\t"x"="1"\n'


def test_aam_without_records_writes_no_file_by_default(tmp_path: Path) -> None:
    files, _ = run(tmp_path, "file.format.aam", [], dpid="21")
    assert files == []


def test_krux_lines_as_the_template_shapes_them(tmp_path: Path) -> None:
    records = [  # after the template's rename: UID -> id, profile.gender -> g_gender, ...
        {"id": "u1", "g_gender": "f", "g_age": 33, "likes": [{"name": "Jazz", "category": "Music"}, {"name": "Chess"}]},
        {"id": "u2", "g_gender": "m", "likes": []},
        {"id": "u3", "tags": ["a", "b"], "profile": {"country": "FR"}},
        {"id": "u4", "g_gender": "m;f"},
        {"g_gender": "f"},
    ]
    [file], rejected = run(tmp_path, "file.format.krux", records, fileName="Gigya_Krux_M6.csv")
    assert file.name == "Gigya_Krux_M6.csv"
    assert file.path.read_text().splitlines() == [
        "u1^g_gender:f;g_age:33;likes:Jazz,Chess",
        "u2^g_gender:m",
        "u3^tags:a,b;profile.country:FR",
    ]
    assert [message for _, message, _ in rejected] == [
        "field 'g_gender' holds one of ^ ; , or a line break, which Krux files use as separators",
        "the record has no id (the user id; see userIdField)",
    ]


def test_krux_empty_file_when_asked(tmp_path: Path) -> None:
    [file], _ = run(tmp_path, "file.format.krux", [], fileName="k.csv", createEmptyFile=True)
    assert file.size == 0
