"""file.format.json, file.format.jsonl and file.parse.json: layouts, rollover, detection, failures, streaming."""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dataflow.files import FileRef
from dataflow.testing import build_component, drive

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
RECORDS = [
    {"UID": "u1", "profile": {"email": "a@example.com", "age": 30}, "data": {"tags": ["x", "y"], "ok": True}},
    {"UID": "u2", "profile": {"firstName": "Zoë"}, "score": 1.5, "note": None, "big": 10**15},
    {"UID": "u3", "text": 'quote " and \\ and \n newline'},
]


def fmt(tmp_path: Path, records: list[dict], type_name: str = "file.format.json", batches: int = 1, **params):
    component = build_component(type_name, params, tmp_path / "work", now=NOW, job_id="j" * 32)
    size = max(1, -(-len(records) // batches))
    chunks = [records[i : i + size] for i in range(0, len(records), size)] or [[]]
    files, rejected = drive(component, chunks)
    assert component.counters.reconciles()
    return files, rejected


def parse_file(tmp_path: Path, path: Path, **params):
    overrides = {k: params.pop(k) for k in ("limit", "batch_size") if k in params}
    component = build_component("file.parse.json", params, tmp_path / "work", **overrides)
    records, rejected = drive(component, [[FileRef.of(path)]])
    assert component.counters.reconciles(), component.counters
    return records, rejected, component


def parse(tmp_path: Path, text: str | bytes, name: str = "in.json", **params):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    records, rejected, _ = parse_file(tmp_path, path, **params)
    return records, rejected


# format.json / format.jsonl ---------------------------------------------------------------------------------


def test_json_array_layout_and_round_trip(tmp_path: Path) -> None:
    files, rejected = fmt(tmp_path, RECORDS, batches=2, fileName="gigya-${now}.json")
    assert rejected == []
    assert [f.name for f in files] == ["gigya-20260304050607.json"]
    text = files[0].path.read_text(encoding="utf-8")
    assert text.startswith('[\n{"UID":"u1",') and text.endswith("}\n]\n")
    assert text.count("\n") == len(RECORDS) + 2  # the brackets and one record per line between them
    assert json.loads(text) == RECORDS
    parsed, rejected, _ = parse_file(tmp_path, files[0].path)
    assert rejected == [] and parsed == RECORDS


def test_json_wrap_field(tmp_path: Path) -> None:
    files, _ = fmt(tmp_path, RECORDS, fileName="out.json", wrapField="accounts")
    document = json.loads(files[0].path.read_text())
    assert document == {"accounts": RECORDS}
    for params in ({"wrapField": "accounts"}, {}):  # the array is found without being named too
        parsed, rejected, _ = parse_file(tmp_path, files[0].path, **params)
        assert rejected == [] and parsed == RECORDS, params


def test_jsonl_layout_and_round_trip(tmp_path: Path) -> None:
    files, _ = fmt(tmp_path, RECORDS, "file.format.jsonl", batches=3, fileName="out.jsonl")
    lines = files[0].path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == RECORDS
    parsed, rejected, _ = parse_file(tmp_path, files[0].path)
    assert rejected == [] and parsed == RECORDS
    # a JSON-lines file under a .json name is recognised from its content
    renamed = files[0].path.rename(tmp_path / "lines.json")
    assert parse_file(tmp_path, renamed)[0] == RECORDS


def test_create_empty_file(tmp_path: Path) -> None:
    files, _ = fmt(tmp_path, [], fileName="none.json")
    assert [f.name for f in files] == ["none.json"] and files[0].path.read_text() == "[]\n"
    files, _ = fmt(tmp_path, [], fileName="none.json", wrapField="w")
    assert json.loads(files[0].path.read_text()) == {"w": []}
    files, _ = fmt(tmp_path, [], "file.format.jsonl", fileName="none.jsonl")
    assert files[0].size == 0
    for type_name in ("file.format.json", "file.format.jsonl"):
        assert fmt(tmp_path, [], type_name, createEmptyFile=False)[0] == []
    assert parse(tmp_path, "[]\n") == ([], [])
    assert parse(tmp_path, "  \n") == ([], [])


@pytest.mark.parametrize(("type_name", "extension"), [("file.format.json", "json"), ("file.format.jsonl", "jsonl")])
def test_max_file_size_rolls_over_into_complete_documents(tmp_path: Path, type_name: str, extension: str) -> None:
    records = [{"id": n, "text": "x" * 1000} for n in range(300)]
    limit = 0.05  # megabytes
    files, _ = fmt(tmp_path, records, type_name, batches=4, fileName=f"big.{extension}", maxFileSize=limit)
    assert [f.name for f in files][:3] == [f"big.{extension}", f"big_1.{extension}", f"big_2.{extension}"]
    assert len(files) == 6  # 300 records of ~1 kB, about 51 per 50 kB part
    back: list[dict] = []
    for file in files:
        assert file.size <= limit * 1024 * 1024 + 1100  # past the limit by at most one record
        parsed, rejected, _ = parse_file(tmp_path, file.path)  # each part is a complete document
        assert rejected == []
        back.extend(parsed)
    assert back == records


def test_records_that_cannot_be_written_are_rejected(tmp_path: Path) -> None:
    records = [{"id": 1}, {"id": 2, "huge": 2**70}, {"id": 3}]
    files, rejected = fmt(tmp_path, records)
    assert json.loads(files[0].path.read_text()) == [{"id": 1}, {"id": 3}]
    assert [(item["id"], message.split(":")[0]) for item, message, _ in rejected] == [
        (2, "the record cannot be written as JSON")
    ]


def test_formatter_spills_to_disk_as_records_arrive(tmp_path: Path) -> None:
    component = build_component("file.format.jsonl", {"fileName": "x.jsonl"}, tmp_path / "work")
    for _ in range(20):
        list(component.feed([{"payload": "y" * 10_000} for _ in range(100)]))
    path = next((tmp_path / "work").rglob("x.jsonl"))
    assert path.stat().st_size > 15_000_000  # on disk before the stream ends, not held until finish
    files = [file for batch in component.finish() for file in batch]
    component.close()
    assert files[0].size == 20 * 100 * (10_000 + len('{"payload":""}\n'))


# parse.json: layouts ---------------------------------------------------------------------------------------


def test_parse_pretty_printed_array_and_add_filename(tmp_path: Path) -> None:
    records, rejected = parse(tmp_path, json.dumps(RECORDS, indent=2), name="x.json", addFilename=True)
    assert rejected == []
    assert records == [{**record, "_fileName": "x.json"} for record in RECORDS]


def test_parse_wrapped_object_finds_the_first_array(tmp_path: Path) -> None:
    document = {"callId": "c1", "errorCode": 0, "results": RECORDS, "other": [{"not": "these"}], "totalCount": 3}
    for text in (json.dumps(document), json.dumps(document, indent=2)):
        records, rejected = parse(tmp_path, text)
        assert rejected == [] and records == RECORDS
    records, _ = parse(tmp_path, json.dumps(document), wrapField="other")
    assert records == [{"not": "these"}]


def test_parse_wrap_field_with_dots_takes_the_slow_path_exactly(tmp_path: Path) -> None:
    document = '{"a.b": [{"x": 1}, {"x": 2}], "a": {"b": [{"y": 3}]}}'
    assert parse(tmp_path, document) == ([{"x": 1}, {"x": 2}], [])
    assert parse(tmp_path, document, wrapField="a.b") == ([{"x": 1}, {"x": 2}], [])


def test_parse_object_without_array_is_one_record(tmp_path: Path) -> None:
    assert parse(tmp_path, '{\n  "UID": "u1",\n  "profile": {"email": "a@example.com"}\n}\n') == (
        [{"UID": "u1", "profile": {"email": "a@example.com"}}],
        [],
    )


def test_parse_one_line_jsonl_by_name_or_format(tmp_path: Path) -> None:
    line = '{"UID": "u1", "emails": [{"email": "a@example.com"}]}\n'
    expected = [{"UID": "u1", "emails": [{"email": "a@example.com"}]}]
    assert parse(tmp_path, line, name="one.jsonl")[0] == expected
    assert parse(tmp_path, line, name="one.ndjson")[0] == expected
    assert parse(tmp_path, line, name="one.json", format="lines")[0] == expected
    # the documented ambiguity: a one-line object named .json is an object document, its array the records
    assert parse(tmp_path, line, name="one.json")[0] == [{"email": "a@example.com"}]


def test_parse_byte_order_mark_and_blank_lines(tmp_path: Path) -> None:
    assert parse(tmp_path, b'\xef\xbb\xbf[{"a": 1}]')[0] == [{"a": 1}]
    assert parse(tmp_path, b'\xef\xbb\xbf{"a": 1}\n\n{"a": 2}\r\n', name="x.jsonl")[0] == [{"a": 1}, {"a": 2}]


def test_parse_format_mismatch_fails_the_file_once(tmp_path: Path) -> None:
    records, rejected = parse(tmp_path, '{"a": [1]}', format="array")
    assert records == []
    assert rejected == [({"fileName": "in.json"}, "in.json: not a JSON array (it starts with '{')", {})]
    _, rejected = parse(tmp_path, "[1]", format="object")
    assert rejected[0][1] == "in.json: not a JSON object (it starts with '[')"
    _, rejected = parse(tmp_path, "UID,EMAIL\nu1,a@example.com\n", name="sample.csv")
    assert rejected == [({"fileName": "sample.csv"}, "sample.csv: not JSON (it starts with 'U', not [ or {)", {})]
    _, rejected = parse(tmp_path, '{"a": 1, "b": {"c": 2}}', wrapField="rows")
    assert rejected[0][1] == "in.json: no array field 'rows' at the top level"


# parse.json: failures ---------------------------------------------------------------------------------------


def test_parse_bad_json_lines_fail_alone_with_line_numbers(tmp_path: Path) -> None:
    text = '{"n": 1}\n{"n": 2\n\n[1, 2]\n{"n": 3}\nnot json\n{"n": 4}\n'
    records, rejected = parse(tmp_path, text, name="in.jsonl", batch_size=2)
    assert records == [{"n": 1}, {"n": 3}, {"n": 4}]
    assert [(item["line"], item["value"], message.split(":")[0]) for item, message, _ in rejected] == [
        (2, '{"n": 2', "in.jsonl line 2"),
        (4, [1, 2], "in.jsonl line 4"),
        (6, "not json", "in.jsonl line 6"),
    ]
    assert "not valid JSON" in rejected[0][1]
    assert rejected[1][1] == "in.jsonl line 4: a JSON array, not an object"


def test_parse_broken_array_keeps_what_came_before_and_fails_once(tmp_path: Path) -> None:
    records, rejected = parse(tmp_path, '[{"n": 1}, {"n": 2}, {"n": 3} {"n": 4}]', batch_size=2)
    assert records == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert rejected == [
        (
            {"fileName": "in.json", "afterItem": 3},
            "in.json: not valid JSON after item 3: parse error: after array element, I expect ',' or ']'",
            {},
        )
    ]
    _, rejected = parse(tmp_path, '[{"n": 1}, {"n": ')
    assert rejected[0][1] == "in.json: not valid JSON after item 1: parse error: premature EOF"
    _, rejected = parse(tmp_path, '{"results": [{"n": 1}], "x": tru}')
    assert rejected[0][0] == {"fileName": "in.json", "afterItem": 1}
    assert rejected[0][1].startswith("in.json: not valid JSON after item 1 of 'results': lexical error")
    _, rejected = parse(tmp_path, b'[{"a": "\xff"}]')
    assert rejected[0][1] == "in.json: not valid JSON after item 0: lexical error: invalid bytes in UTF8 string."


def test_parse_non_object_elements_fail_alone(tmp_path: Path) -> None:
    records, rejected = parse(tmp_path, '[{"n": 1}, 2, "three", null, {"n": 5}]')
    assert records == [{"n": 1}, {"n": 5}]
    assert [(item["item"], message) for item, message, _ in rejected] == [
        (2, "in.json item 2: a JSON number, not an object"),
        (3, "in.json item 3: a JSON string, not an object"),
        (4, "in.json item 4: a JSON null, not an object"),
    ]


def test_parse_respects_the_record_limit(tmp_path: Path) -> None:
    records, _ = parse(tmp_path, json.dumps([{"n": n} for n in range(50)]), limit=7, batch_size=3)
    assert [record["n"] for record in records] == list(range(7))


# streaming --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["big.json", "big.jsonl", "wrapped.json"])
def test_parse_streams_large_files(tmp_path: Path, name: str) -> None:
    """Memory holds a batch, never the file: the peak (about 1-3 MB here, the same for 2 MB or 20 MB files)
    stays far below the file's size."""
    count = 100_000
    path = tmp_path / name
    with path.open("w") as handle:
        row = '{"UID": "u%d", "profile": {"email": "a%d@example.com", "firstName": "Ann"}, "data": {"n": [1, 2]}}'
        if name == "big.jsonl":
            handle.writelines(row % (n, n) + "\n" for n in range(count))
        else:
            handle.write('{"total": 1, "results": [' if name == "wrapped.json" else "[")
            handle.write(",\n".join(row % (n, n) for n in range(count)))
            handle.write("]}" if name == "wrapped.json" else "]")
    size = path.stat().st_size
    assert size > 10_000_000
    component = build_component("file.parse.json", {}, tmp_path / "work", batch_size=500)
    seen = 0
    tracemalloc.start()
    try:
        for batch in component.feed([FileRef.of(path)]):
            seen += len(batch)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count
    assert peak < 6_000_000, (peak, size)
