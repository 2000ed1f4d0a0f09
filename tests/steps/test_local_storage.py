"""datasource.read.file / datasource.write.file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from dataflow.errors import FatalError
from dataflow.files import FileRef
from dataflow.testing import build_component, drive, read_all
from dataflow.validation import validate_text
from tests.helpers import registry


def _files(directory: Path, names: list[str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(names):
        path = directory / name
        path.write_text(name)
        os.utime(path, (1_700_000_000 + (len(names) - index) * 10,) * 2)  # first named = newest


def test_read_selects_by_full_regex_and_sorts(tmp_path: Path) -> None:
    _files(tmp_path / "in", ["b.csv", "a.csv", "c.txt", "x.csv.bak"])
    by_name = read_all(
        build_component(
            "datasource.read.file",
            {"path": str(tmp_path / "in"), "fileNameRegex": r".*\.csv", "sortBy": "name"},
            tmp_path / "w",
        )
    )
    assert [f.name for f in by_name] == ["a.csv", "b.csv"]
    by_time_desc = read_all(
        build_component(
            "datasource.read.file",
            {
                "path": str(tmp_path / "in"),
                "fileNameRegex": r".*\.csv",
                "sortBy": "time",
                "sortOrder": "DESC",
            },
            tmp_path / "w",
        )
    )
    assert [f.name for f in by_time_desc] == ["b.csv", "a.csv"]
    oldest_first = read_all(build_component("datasource.read.file", {"path": str(tmp_path / "in")}, tmp_path / "w"))
    assert [f.name for f in oldest_first] == ["x.csv.bak", "c.txt", "a.csv", "b.csv"]


def test_read_missing_directory_is_fatal(tmp_path: Path) -> None:
    component = build_component("datasource.read.file", {"path": str(tmp_path / "nope")}, tmp_path / "w")
    with pytest.raises(FatalError, match="directory not found"):
        read_all(component)


def _writer(tmp_path: Path) -> tuple[Path, Path, Any]:
    """A file to write, the target directory, and a writer into it."""
    source = tmp_path / "work" / "report.csv"
    source.parent.mkdir()
    source.write_text("a,b\n")
    target_dir = tmp_path / "out" / "nested"
    return source, target_dir, build_component("datasource.write.file", {"path": str(target_dir)}, tmp_path / "w")


def test_write_copies_atomically_and_passes_the_file_on(tmp_path: Path) -> None:
    source, target_dir, component = _writer(tmp_path)
    written, rejected = drive(component, [[FileRef.of(source), FileRef(name="../escape.csv", path=source, size=4)]])
    assert rejected == []
    assert sorted(p.name for p in target_dir.iterdir()) == ["escape.csv", "report.csv"]
    assert (target_dir / "report.csv").read_text() == "a,b\n"
    assert [f.path.parent for f in written] == [target_dir, target_dir]
    assert component.counters.as_dict(True) == {
        "in": 2,
        "out": 2,
        "errors": 0,
        "filtered": 0,
        "added": 0,
        "filesIn": 2,
        "filesOut": 2,
    }


def test_write_refuses_names_that_name_no_file_of_their_own(tmp_path: Path) -> None:
    source, target_dir, component = _writer(tmp_path)
    files = [FileRef(name=name, path=source, size=4) for name in (".", "..", "a/..", "..\\x.csv")]
    written, rejected = drive(component, [files])
    assert [f.path.name for f in written] == ["x.csv"]  # a backslash separates too
    assert [message for _, message, _ in rejected] == [
        f"file name {name!r} cannot be used on the directory {target_dir}" for name in (".", "..", "a/..")
    ]
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["nested", "x.csv"]  # no .part left anywhere


def test_write_without_create_directory_needs_it(tmp_path: Path) -> None:
    with pytest.raises(FatalError):
        build_component(
            "datasource.write.file",
            {"path": str(tmp_path / "missing"), "createDirectory": False},
            tmp_path / "w",
        )


def test_read_never_selects_a_writers_leftover_temporary_file(tmp_path: Path) -> None:
    """A writer killed mid-copy (kill -9 gives it no chance to clean up) leaves its temporary file; the next
    reader of the directory, even with ``.*``, must not feed that half file on."""
    leftovers = [".report.csv.1f2e3d4c.part", "report.csv.a1b2c3d4.tmp"]  # local; FTP and SFTP writers
    look_alikes = ["report.part", ".hidden.csv", "report.csv.tmp", "data.1f2e3d4c.part", ".x.NOTHEX12.part"]
    _files(tmp_path / "in", ["report.csv", *leftovers, *look_alikes])
    found = read_all(build_component("datasource.read.file", {"path": str(tmp_path / "in")}, tmp_path / "w"))
    assert sorted(f.name for f in found) == sorted(["report.csv", *look_alikes])


def test_a_killed_writers_part_file_is_not_read_by_the_next_flow(tmp_path: Path) -> None:
    source, target, writer = _writer(tmp_path)
    drive(writer, [[FileRef.of(source)]])
    written = sorted(path.name for path in target.iterdir())
    (target / ".report.csv.ab12cd34.part").write_text("UID\nhalf")  # what a SIGKILL mid-copy leaves
    found = read_all(build_component("datasource.read.file", {"path": str(target)}, tmp_path / "w2"))
    assert [f.name for f in found] == written == ["report.csv"]


@pytest.mark.parametrize(
    ("regex", "selected"),
    [
        (r"(?<day>\d{8})_accounts\.csv", ["20261204_accounts.csv"]),  # a Java named group
        (r"\Qaccounts.v2\E.*", ["accounts.v2.csv"]),  # Java quoting: the dot is a dot
        (r"\p{L}+\.csv", ["Émile.csv"]),  # a Unicode letter class
    ],
)
def test_file_name_regexes_are_java_regexes(tmp_path: Path, regex: str, selected: list[str]) -> None:
    _files(tmp_path / "in", ["20261204_accounts.csv", "accounts.v2.csv", "accountsXv2.csv", "Émile.csv"])
    params = {"path": str(tmp_path / "in"), "fileNameRegex": regex, "sortBy": "name"}
    assert [f.name for f in read_all(build_component("datasource.read.file", params, tmp_path / "w"))] == selected


def test_a_bad_file_name_regex_is_a_finding_with_the_reason(tmp_path: Path) -> None:
    flow = {
        "name": "x",
        "steps": [{"id": "r", "type": "datasource.read.file", "params": {"path": "in", "fileNameRegex": "a[b"}}],
    }
    [finding] = validate_text(json.dumps(flow, indent=2), "flow.json", registry=registry()).diagnostics
    assert "param 'fileNameRegex'" in finding.format() and "unterminated character set at offset 1" in finding.format()
