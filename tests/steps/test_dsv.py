"""file.format.dsv and file.parse.dsv: IdentitySync's params, streaming, and what we write we can read."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dataflow.files import FileRef
from dataflow.testing import build_component, drive

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def fmt(tmp_path: Path, records: list[dict], batches: int = 1, **params) -> tuple[list[FileRef], list]:
    component = build_component("file.format.dsv", params, tmp_path / "work", now=NOW, job_id="j" * 32)
    size = max(1, -(-len(records) // batches))
    chunks = [records[i : i + size] for i in range(0, len(records), size)] or [[]]
    files, rejected = drive(component, chunks)
    return files, rejected


def parse(tmp_path: Path, text: str | bytes, name: str = "in.csv", **params) -> tuple[list[dict], list]:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    component = build_component("file.parse.dsv", params, tmp_path / "work", batch_size=2)
    return drive(component, [[FileRef.of(path)]])


def test_silverpop_outbound_shape(tmp_path: Path) -> None:
    records = [
        {"GigyaUid": "u1", "EMAIL": "a@example.com", "Subscribed": "Yes"},
        {"GigyaUid": "u2", "EMAIL": "b@example.com", "Subscribed": "No"},
    ]
    files, rejected = fmt(tmp_path, records, fileName="${now:YYMMdd_HHmm}.csv", columnSeparator=",")
    assert rejected == []
    assert [f.name for f in files] == ["260304_0506.csv"]
    assert files[0].path.read_text() == "GigyaUid,EMAIL,Subscribed\nu1,a@example.com,Yes\nu2,b@example.com,No\n"
    assert files[0].size == files[0].path.stat().st_size


def test_values_quoting_and_types(tmp_path: Path) -> None:
    records = [{"a": 'say "hi", ok', "b": None, "c": True, "d": 1.5, "e": {"x": [1, 2]}, "f": 7, "g": "line\nbreak"}]
    files, _ = fmt(tmp_path, records)
    assert files[0].path.read_text() == ('a,b,c,d,e,f,g\n"say ""hi"", ok",,true,1.5,"{""x"":[1,2]}",7,"line\nbreak"\n')


def test_separator_quote_all_escape_and_line_end(tmp_path: Path) -> None:
    records = [{"a": 'x"y', "b": "p|q"}]
    files, _ = fmt(
        tmp_path,
        records,
        columnSeparator="|",
        quoteFields=True,
        escapeCharacter="\\",
        lineEnd="\r\n",
        writeHeader=False,
    )
    assert files[0].path.read_bytes() == b'"x\\"y"|"p|q"\r\n'
    files, _ = fmt(tmp_path, records, columnSeparator="\\t")
    assert files[0].path.read_text() == 'a\tb\n"x""y"\tp|q\n'


def test_columns_grow_when_later_records_bring_new_fields(tmp_path: Path) -> None:
    records = [{"a": 1}, {"a": 2, "b": 3}, {"b": 4, "c": 5}]
    files, _ = fmt(tmp_path, records, batches=3)
    assert files[0].path.read_text() == "a,b,c\n1,,\n2,3,\n,4,5\n"


def test_field_order_differences_are_aligned(tmp_path: Path) -> None:
    files, _ = fmt(tmp_path, [{"a": 1, "b": 2}, {"b": 3, "a": 4}])
    assert files[0].path.read_text() == "a,b\n1,2\n4,3\n"


def test_empty_input_and_create_empty_file(tmp_path: Path) -> None:
    files, _ = fmt(tmp_path, [], fileName="none.csv")
    assert [f.name for f in files] == ["none.csv"] and files[0].size == 0
    files, _ = fmt(tmp_path, [], fileName="none.csv", createEmptyFile=False)
    assert files == []


def test_max_file_size_rolls_over_into_numbered_files(tmp_path: Path) -> None:
    records = [{"id": n, "text": "x" * 1000} for n in range(3000)]
    files, _ = fmt(tmp_path, records, batches=3, fileName="big.csv", maxFileSize=1)
    names = [f.name for f in files]
    assert names[:3] == ["big.csv", "big_1.csv", "big_2.csv"]
    total = 0
    for file in files:
        rows = list(csv.reader(file.path.open(newline="")))
        assert rows[0] == ["id", "text"]
        total += len(rows) - 1
        assert file.size < 1024 * 1024 + 201 * 1010  # at most one 200-record chunk past the limit
    assert total == 3000


def test_parse_keeps_dotted_headers_as_literal_keys(tmp_path: Path) -> None:
    records, rejected = parse(tmp_path, "UID,profile.firstName,data.subscribed\nu1,Ann,true\nu2,Ben,false\nu3,Cy,\n")
    assert rejected == []
    assert records == [
        {"UID": "u1", "profile.firstName": "Ann", "data.subscribed": "true"},
        {"UID": "u2", "profile.firstName": "Ben", "data.subscribed": "false"},
        {"UID": "u3", "profile.firstName": "Cy", "data.subscribed": ""},
    ]


def test_parse_bad_rows_are_rejected_with_line_numbers(tmp_path: Path) -> None:
    records, rejected = parse(tmp_path, 'a,b\n1,2\n3\n"multi\nline",4\n5,6,7\n8,9\n')
    assert [r["a"] for r in records] == ["1", "multi\nline", "8"]
    assert [(item["line"], message) for item, message, _ in rejected] == [
        (3, "in.csv line 3: 1 fields where the header has 2"),
        (6, "in.csv line 6: 3 fields where the header has 2"),
    ]
    assert rejected[0][0]["values"] == ["3"]


def test_parse_bad_quoting_fails_the_lines_it_spans_and_reading_goes_on(tmp_path: Path) -> None:
    text = 'a,b\n1,"unclosed\n2,"quoted",x\n3,"ab"cd\n4,in"side\n5,ok\n6,"to the end\n7,lost\n'
    records, rejected = parse(tmp_path, text)
    assert [(r["a"], r["b"]) for r in records] == [("4", 'in"side'), ("5", "ok")]
    assert [(item["line"], item["lastLine"], message) for item, message, _ in rejected] == [
        (2, 3, "in.csv lines 2-3: cannot be read as a row: ',' expected after '\"'"),
        (4, 4, "in.csv line 4: cannot be read as a row: ',' expected after '\"'"),
        (7, 8, "in.csv lines 7-8: cannot be read as a row: unexpected end of data"),
    ]


def test_parse_infer_types_and_add_filename(tmp_path: Path) -> None:
    records, _ = parse(tmp_path, "n,f,b,zip,s\n42,1.5,true,01234,x\n", inferTypes=True, addFilename=True, name="x.csv")
    assert records == [{"n": 42, "f": 1.5, "b": True, "zip": "01234", "s": "x", "_fileName": "x.csv"}]


@pytest.mark.parametrize(
    ("raw", "charset"),
    [
        ("id,name\n1,Zoë\n".encode("cp1252"), "auto-detect"),
        ("id,name\n1,Zoë\n".encode("utf-16"), "auto-detect"),
        (b"\xef\xbb\xbf" + "id,name\n1,Zoë\n".encode(), "auto-detect"),
        ("id,name\n1,Zoë\n".encode("latin-1"), "ISO-8859-1"),
        (b"\xef\xbb\xbf" + "id,name\n1,Zoë\n".encode(), "UTF-8"),
    ],
)
def test_parse_charsets(tmp_path: Path, raw: bytes, charset: str) -> None:
    records, rejected = parse(tmp_path, raw, fileCharset=charset)
    assert rejected == []
    assert records == [{"id": "1", "name": "Zoë"}]


def test_parse_wrong_charset_is_a_failed_record_not_a_crash(tmp_path: Path) -> None:
    records, rejected = parse(tmp_path, "id,name\n1,Zoë\n".encode("cp1252"))
    assert records == []
    assert rejected == [
        (
            {"fileName": "in.csv", "line": 2, "values": ["1", "Zo\ufffd"]},
            "in.csv line 2: the text is not UTF-8; set fileCharset",
            {},
        )
    ]
    # the bad byte is far into the file: every good row before and after it still arrives
    big = "id,name\n" + "1,plain\n" * 5000 + "2,Zoë\n" + "3,plain\n" * 10
    records, rejected = parse(tmp_path, big.encode("cp1252"))
    assert len(records) == 5010
    assert [r["id"] for r in records[4998:5002]] == ["1", "1", "3", "3"]
    assert [message for _, message, _ in rejected] == ["in.csv line 5002: the text is not UTF-8; set fileCharset"]
    _, rejected = parse(tmp_path, "Zoë,b\n1,2\n".encode("cp1252"))
    assert rejected[0][1] == "in.csv: cannot read the header: the text is not UTF-8; set fileCharset"


def test_parse_duplicate_header_is_rejected(tmp_path: Path) -> None:
    records, rejected = parse(tmp_path, "a,a\n1,2\n")
    assert records == []
    assert rejected[0][0] == {"fileName": "in.csv"}
    assert rejected[0][1] == "in.csv: the header names column 'a' twice"


def test_parse_empty_file(tmp_path: Path) -> None:
    assert parse(tmp_path, "") == ([], [])


def test_unknown_charset_fails_when_built(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown fileCharset 'klingon'"):
        parse(tmp_path, "a\n1\n", fileCharset="klingon")


def test_round_trip_format_then_parse(tmp_path: Path) -> None:
    records = [
        {"a": 'q"uote', "b": "sep,arated", "c": "new\nline", "d": "ü"},
        {"a": "", "b": "x", "c": "y", "d": "z"},
    ]
    for params in (
        {},
        {"columnSeparator": ";", "quoteFields": True},
        {"columnSeparator": "|", "escapeCharacter": "\\"},
    ):
        files, _ = fmt(tmp_path, records, **params)
        reader_params = {k: v for k, v in params.items() if k in ("columnSeparator", "escapeCharacter")}
        component = build_component("file.parse.dsv", reader_params, tmp_path / "work2")
        parsed, rejected = drive(component, [[files[0]]])
        assert rejected == [] and parsed == records, params
