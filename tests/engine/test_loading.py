"""Tests for dataflow.loading: data equal to json/yaml, positions of values and keys, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from dataflow.loading import (
    DocumentSyntaxError,
    Position,
    SourceMap,
    json_pointer,
    jsonpos,
    load_document,
    load_json,
    load_yaml,
    read_document,
    yamlpos,
)
from tests.templates.reference import TEMPLATES

FLOW_JSON = """\
{
  "name": "Rename",
  "steps": [
    {
      "id": "a",
      "type": "field.rename",
      "params": {
        "fields": [
          {"sourceField": "profile.firstName", "targetField": "firstName"},
          {
            "sourceField": "profile.lastName",
            "targetField": "lastName"
          }
        ]
      },
      "next": ["b"]
    }
  ]
}
"""

FLOW_YAML = """\
name: Rename
steps:
  - id: a
    type: field.rename
    params:
      fields:
        - sourceField: profile.firstName
          targetField: firstName
        - {sourceField: profile.lastName, targetField: "lastName"}
    next: [b]
"""

FIELD0_SOURCE = ("steps", 0, "params", "fields", 0, "sourceField")
FIELD1_SOURCE = ("steps", 0, "params", "fields", 1, "sourceField")


def all_paths(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every path into ``data``, the root included."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from all_paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from all_paths(value, (*path, index))


def assert_complete(data: Any, source_map: SourceMap) -> None:
    """The source map has a value position for every path, and a key position for every member."""
    paths = set(all_paths(data))
    assert set(source_map.values) == paths
    assert set(source_map.keys) == {p for p in paths if p and isinstance(p[-1], str)}


def syntax_error(loader: Any, text: str) -> DocumentSyntaxError:
    with pytest.raises(DocumentSyntaxError) as caught:
        loader(text)
    return caught.value


@pytest.fixture(params=["SafeLoader", "CSafeLoader"])
def yaml_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a YAML test with the pure-Python and the libyaml loader (their marks must agree)."""
    loader = getattr(yaml, request.param, None)
    if loader is None:
        pytest.skip(f"PyYAML has no {request.param}")
    monkeypatch.setattr(yamlpos, "_LOADER", loader)
    return request.param


# -- positions: JSON ---------------------------------------------------------------------------


def test_json_data_equals_json_loads() -> None:
    data, source_map = load_json(FLOW_JSON)
    assert data == json.loads(FLOW_JSON)
    assert_complete(data, source_map)


def test_json_positions_of_nested_values_and_keys() -> None:
    _, source_map = load_json(FLOW_JSON)
    assert source_map.values[()] == Position(1, 1)
    assert source_map.keys[("steps",)] == Position(3, 3)
    assert source_map.values[("steps",)] == Position(3, 12)
    assert source_map.values[("steps", 0)] == Position(4, 5)
    assert ("steps", 0) not in source_map.keys  # list items have no key
    assert source_map.keys[("steps", 0, "params")] == Position(7, 7)
    assert source_map.values[("steps", 0, "params", "fields", 0)] == Position(9, 11)
    assert source_map.keys[FIELD0_SOURCE] == Position(9, 12)
    assert source_map.values[FIELD0_SOURCE] == Position(9, 27)
    assert source_map.keys[FIELD1_SOURCE] == Position(11, 13)
    assert source_map.values[FIELD1_SOURCE] == Position(11, 28)
    assert source_map.values[("steps", 0, "next", 0)] == Position(16, 16)


def test_json_tabs_count_as_one_column() -> None:
    data, source_map = load_json('{\t"a":\t[\t1,\ttrue ]\t}')
    assert data == {"a": [1, True]}
    assert source_map.keys[("a",)] == Position(1, 3)
    assert source_map.values[("a",)] == Position(1, 8)
    assert source_map.values[("a", 0)] == Position(1, 10)
    assert source_map.values[("a", 1)] == Position(1, 13)


def test_json_crlf_and_lone_cr_line_ends() -> None:
    _, source_map = load_json('{\r\n  "a": 1,\r\n  "b": [\r\n    true\r\n  ]\r\n}\r\n')
    assert source_map.keys[("b",)] == Position(3, 3)
    assert source_map.values[("b", 0)] == Position(4, 5)
    _, source_map = load_json('{\r"a":\r1}')
    assert source_map.values[("a",)] == Position(3, 1)


def test_json_unicode_columns_count_characters() -> None:
    text = '{"é😀": "ü", "x": "\\u00e9"}'
    data, source_map = load_json(text)
    assert data == {"é😀": "ü", "x": "é"}
    assert source_map.keys[("x",)] == Position(1, 13)
    assert source_map.values[("x",)] == Position(1, 18)


@pytest.mark.parametrize(
    "text",
    [
        '{"n": [0, -0, 1, -12, 1.5, -0.25, 1e3, 1E+2, 2.5e-3, 123456789012345678901234567890]}',
        '"\\ud83d\\ude00 \\"quoted\\" \\/ \\\\ \\b\\f\\n\\r\\t \\u0041"',
        "[[], {}, [{}], null, true, false]",
        '  \t\r\n "scalar root" \n',
        "-7",
    ],
)
def test_json_values_match_stdlib(text: str) -> None:
    data, source_map = load_json(text)
    assert data == json.loads(text)
    assert [type(n) for n in all_paths(data)] == [type(n) for n in all_paths(json.loads(text))]
    assert_complete(data, source_map)


def test_json_ints_stay_ints_and_floats_floats() -> None:
    data, _ = load_json("[1, 1.0, 1e0, -0]")
    assert [type(item) for item in data] == [int, float, float, int]


# -- errors: JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ('{"a": 1 "b": 2}', "expected ',' or '}' after object member, found '\"'", 1, 9),
        ('{"a": [1, 2}', "expected ',' or ']' after array element, found '}'", 1, 12),
        ("[1, 2", "expected ',' or ']' after array element, but the document ended", 1, 6),
        ('{"a" 1}', "expected ':' after property name", 1, 6),
        ("{a: 1}", "expected a double-quoted property name", 1, 2),
        ('{"a": 1,\n}', "trailing comma before '}'", 2, 1),
        ("[1,]", "trailing comma before ']'", 1, 4),
        ('{\n  "a": "abc', "unterminated string", 2, 8),
        ('["a\nb"]', "unterminated string (a line break inside a string", 1, 4),
        ('["a\tb"]', "control character U+0009 must be escaped", 1, 4),
        ('"x\\qy"', "invalid \\escape '\\\\q'", 1, 3),
        ('"\\u12G4"', "invalid \\uXXXX escape", 1, 2),
        ('{"id": "x\\ud800"}', "'\\\\ud800' is half of a surrogate pair, not a character", 1, 10),
        ('["\\ud83d\\ude00", "\\uDFFF"]', "'\\\\uDFFF' is half of a surrogate pair", 1, 19),
        ("{} x", "trailing data after the document", 1, 4),
        ('{"a": 1}}', "trailing data after the document", 1, 9),
        ("", "expected a value, but the document ended", 1, 1),
        ('{"a":\n', "expected a value, but the document ended", 2, 1),
        ("[.5]", "expected a value, found '.'", 1, 2),
        ("[01]", "invalid number: leading zeros are not allowed", 1, 2),
        ("[-01]", "invalid number: leading zeros are not allowed", 1, 2),
        ("[1.]", "invalid number", 1, 2),
        ("[1e]", "invalid number", 1, 2),
        ("[-]", "invalid number", 1, 2),
        ("[1١]", "expected ',' or ']' after array element, found '١'", 1, 3),  # not a JSON digit
        ("[-Infinity]", "invalid number: -Infinity is not JSON", 1, 2),
        ("[NaN]", "invalid literal 'NaN'", 1, 2),
        ("[1, Infinity]", "invalid literal 'Infinity'", 1, 5),
        ("[True]", "invalid literal 'True'", 1, 2),
        ("[nul]", "invalid literal 'nul'", 1, 2),
        ("['a']", "strings must use double quotes", 1, 2),
        ('{\n  "next": 1,\n  "next": 2\n}', "duplicate key 'next' (first defined at line 2, column 3)", 3, 3),
        ('[{"a": {"b": 1, "b": 1}}]', "duplicate key 'b'", 1, 17),
        ("\ufeff  x", "invalid literal 'x'", 1, 3),  # the BOM is not a column
    ],
)
def test_json_errors(text: str, message: str, line: int, column: int) -> None:
    error = syntax_error(load_json, text)
    assert str(error).startswith(message)
    assert error.message == str(error)
    assert (error.line, error.column) == (line, column)
    assert isinstance(error, ValueError)


def test_json_too_many_digits() -> None:
    assert "too many digits" in syntax_error(load_json, "1" * 5000).message


def test_json_nesting_limit() -> None:
    depth = jsonpos.MAX_DEPTH
    data, _ = load_json('{"a":' * depth + "1" + "}" * depth)
    assert data is not None
    error = syntax_error(load_json, "[" * (depth + 1) + "]" * (depth + 1))
    assert "nested deeper" in error.message
    assert (error.line, error.column) == (1, depth + 1)


def test_json_same_key_in_different_objects_is_fine() -> None:
    data, _ = load_json('[{"next": 1}, {"next": 2}]')
    assert data == [{"next": 1}, {"next": 2}]


# -- positions: YAML ---------------------------------------------------------------------------


def test_yaml_positions_of_nested_values_and_keys(yaml_loader: str) -> None:
    data, source_map = load_yaml(FLOW_YAML)
    assert_complete(data, source_map)
    assert source_map.values[()] == Position(1, 1)
    assert source_map.keys[("steps",)] == Position(2, 1)
    assert source_map.values[("steps",)] == Position(3, 3)
    assert source_map.values[("steps", 0)] == Position(3, 5)
    assert ("steps", 0) not in source_map.keys
    assert source_map.keys[("steps", 0, "params")] == Position(5, 5)
    assert source_map.values[("steps", 0, "params", "fields", 0)] == Position(7, 11)
    assert source_map.keys[FIELD0_SOURCE] == Position(7, 11)
    assert source_map.values[FIELD0_SOURCE] == Position(7, 24)
    assert source_map.values[("steps", 0, "params", "fields", 1)] == Position(9, 11)
    assert source_map.keys[FIELD1_SOURCE] == Position(9, 12)
    assert source_map.values[FIELD1_SOURCE] == Position(9, 25)
    assert source_map.values[("steps", 0, "next", 0)] == Position(10, 12)


def test_json_and_yaml_spellings_give_the_same_data() -> None:
    json_data, json_map = load_json(FLOW_JSON)
    yaml_data, yaml_map = load_yaml(FLOW_YAML)
    assert json_data == yaml_data
    assert set(json_map.values) == set(yaml_map.values)
    assert set(json_map.keys) == set(yaml_map.keys)


def test_yaml_scalars_use_safe_loader_types() -> None:
    text = "a: true\nb: 12\nc: 1.5\nd: ~\ne: null\nf: '12'\ng: x y\nh: -0x1F\ni: !!str 7\nj: =\n"
    data, _ = load_yaml(text)
    assert data == {
        "a": True,
        "b": 12,
        "c": 1.5,
        "d": None,
        "e": None,
        "f": "12",
        "g": "x y",
        "h": -31,
        "i": "7",
        "j": "=",
    }
    assert type(data["b"]) is int


def test_yaml_timestamps_stay_strings() -> None:
    data, _ = load_yaml("since: 2024-01-31\nat: 2024-01-31T10:00:00Z\n")
    assert data == {"since": "2024-01-31", "at": "2024-01-31T10:00:00Z"}


def test_yaml_json_document_parses_like_json(yaml_loader: str) -> None:
    data, source_map = load_yaml(FLOW_JSON)
    assert data == json.loads(FLOW_JSON)
    assert source_map.values[FIELD1_SOURCE] == Position(11, 28)
    assert source_map.keys[FIELD1_SOURCE] == Position(11, 13)


def test_yaml_crlf_line_ends(yaml_loader: str) -> None:
    data, source_map = load_yaml("a: 1\r\nb:\r\n  - x\r\n  - y\r\n")
    assert data == {"a": 1, "b": ["x", "y"]}
    assert source_map.values[("b", 1)] == Position(4, 5)
    assert source_map.keys[("b",)] == Position(2, 1)


def test_yaml_unicode_columns_count_characters(yaml_loader: str) -> None:
    data, source_map = load_yaml("é😀: ü\nx: {é: 1, ü: [ä, ö]}\n")
    assert data == {"é😀": "ü", "x": {"é": 1, "ü": ["ä", "ö"]}}
    assert source_map.values[("é😀",)] == Position(1, 5)
    assert source_map.keys[("x", "ü")] == Position(2, 11)
    assert source_map.values[("x", "ü", 1)] == Position(2, 18)


def test_yaml_bom_is_ignored(yaml_loader: str) -> None:
    data, source_map = load_yaml("\ufeffa: [1]\n")
    assert data == {"a": [1]}
    assert source_map.values[("a", 0)] == Position(1, 5)


@pytest.mark.parametrize("text", ["", "   \n", "# just a comment\n", "---\n", "--- ~\n"])
def test_yaml_empty_document_is_none(text: str) -> None:
    data, source_map = load_yaml(text)
    assert data is None
    assert source_map.locate(("anything",)) == source_map.values[()]


def test_yaml_aliases_share_data_and_point_at_the_anchor(yaml_loader: str) -> None:
    data, source_map = load_yaml("base: &b\n  x: [1, 2]\nother: *b\nlist: [*b, *b]\n")
    assert data["other"] is data["base"]
    assert data["list"] == [data["base"], data["base"]]
    assert_complete(data, source_map)
    assert source_map.values[("other", "x", 1)] == source_map.values[("base", "x", 1)] == Position(2, 10)
    assert source_map.keys[("other",)] == Position(3, 1)
    assert source_map.keys[("list", 1, "x")] == Position(2, 3)


# -- errors: YAML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("id: a\nnext: [b]\nnext: [c]\n", "duplicate key 'next' (first defined at line 2, column 1)", 3, 1),
        ("steps:\n  - {a: 1, a: 2}\n", "duplicate key 'a'", 2, 12),
        ("a: 1\n'a': 2\n", "duplicate key 'a'", 2, 1),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", "merge keys ('<<') are not supported", 3, 3),
        ("yes: 1\n", "mapping key 'yes' is read as bool, not a string; quote it", 1, 1),
        ("a:\n  1: one\n", "mapping key '1' is read as int", 2, 3),
        ("~: x\n", "mapping key '~' is read as null", 1, 1),
        ("? [a, b]\n: c\n", "mapping keys must be strings", 1, 3),
        ("a: !!binary aGk=\n", "unsupported YAML tag '!!binary'", 1, 4),
        ("a: !!set {x}\n", "unsupported YAML tag '!!set'", 1, 4),
        ("a:\n  - !custom x\n", "unsupported YAML tag '!custom'", 2, 5),
        ("a: !!int abc\n", "invalid !!int value 'abc'", 1, 4),
        ("a: !!bool maybe\n", "invalid !!bool value 'maybe'", 1, 4),
        ("a: &x [1, *x]\n", "an alias refers to a collection that contains it", 1, 4),
        ("a: ok\nb: \x07\n", "character U+0007 is not allowed", 2, 4),
    ],
)
def test_yaml_document_errors(yaml_loader: str, text: str, message: str, line: int, column: int) -> None:
    error = syntax_error(load_yaml, text)
    assert str(error).startswith(message)
    assert (error.line, error.column) == (line, column)


@pytest.mark.parametrize(
    ("text", "problem", "line", "column"),
    [
        ("a: 1\n  b: 2\n", "mapping values are not allowed", 2, 4),
        ('a: "x\n', "found unexpected end of stream", 2, 1),
        ("a:\n\t- b\n", "found character", 2, 1),
        ("---\na\n---\nb\n", "but found another document", 3, 1),
        ("a: [1, 2\nb: 3\n", "", 2, 2),
        ("*unknown\n", "found undefined alias", 1, 1),
    ],
)
def test_yaml_syntax_errors_use_the_problem_mark(
    yaml_loader: str, text: str, problem: str, line: int, column: int
) -> None:
    error = syntax_error(load_yaml, text)
    assert error.message.startswith(problem)
    assert (error.line, error.column) == (line, column)


def test_yaml_error_message_mentions_context() -> None:
    error = syntax_error(load_yaml, 'a: "x')
    assert "while scanning a quoted scalar at line 1, column 4" in error.message


def test_yaml_alias_expansion_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlpos, "MAX_ALIAS_EXPANSION", 10)
    data, _ = load_yaml("a: &a [1, 2, 3]\nb: [*a, *a]\n")
    assert data["b"] == [[1, 2, 3], [1, 2, 3]]
    error = syntax_error(load_yaml, "a: &a [1, 2, 3]\nb: [*a, *a, *a]\n")
    assert "aliases expand to more than 10 values" in error.message


def test_yaml_nesting_limit(yaml_loader: str) -> None:
    depth = yamlpos.MAX_DEPTH
    data, _ = load_yaml("[" * depth + "]" * depth)
    assert data is not None
    error = syntax_error(load_yaml, "[" * (depth + 1) + "]" * (depth + 1))
    assert "nested deeper" in error.message
    assert (error.line, error.column) == (1, depth + 1)


@pytest.mark.parametrize("depth", [1200, 50_000])
def test_yaml_very_deep_nesting_is_a_syntax_error(yaml_loader: str, depth: int) -> None:
    error = syntax_error(load_yaml, "[" * depth + "]" * depth)
    assert "nest" in error.message


def test_yaml_nesting_limit_applies_through_aliases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlpos, "MAX_DEPTH", 3)
    assert load_yaml("a: &a [[1]]\n")[0] == {"a": [[1]]}
    error = syntax_error(load_yaml, "a: &a [[1]]\nb: [*a]\n")
    assert "nested deeper than 3" in error.message


# -- locate and json_pointer --------------------------------------------------------------------


def test_locate_existing_paths_and_keys() -> None:
    _, source_map = load_json(FLOW_JSON)
    assert source_map.locate(FIELD0_SOURCE) == Position(9, 27)
    assert source_map.locate(FIELD0_SOURCE, prefer_key=True) == Position(9, 12)
    assert source_map.locate(["steps", 0], prefer_key=True) == Position(4, 5)  # list items: no key
    assert source_map.locate(()) == Position(1, 1)


def test_locate_falls_back_to_the_nearest_ancestor() -> None:
    _, source_map = load_json(FLOW_JSON)
    params = ("steps", 0, "params")
    assert source_map.locate((*params, "missing")) == Position(7, 17)
    assert source_map.locate((*params, "missing", "deeper", 3)) == Position(7, 17)
    assert source_map.locate((*params, "missing"), prefer_key=True) == Position(7, 7)
    assert source_map.locate(("steps", 5)) == Position(3, 12)
    assert source_map.locate(("nope",)) == Position(1, 1)


def test_locate_accepts_digit_strings_for_indexes() -> None:
    _, source_map = load_json('{"a": [{"0": true}]}')
    assert source_map.locate(("a", "0", "0")) == Position(1, 14)
    assert source_map.locate(("a", 0, 0)) == Position(1, 14)


def test_locate_on_an_empty_map() -> None:
    assert SourceMap(values={}, keys={}).locate(("a", 1)) == Position(1, 1)


@pytest.mark.parametrize(
    ("path", "pointer"),
    [
        ((), ""),
        (("",), "/"),
        (("steps", 0, "params"), "/steps/0/params"),
        (("a/b", "m~n", "~1"), "/a~1b/m~0n/~01"),
    ],
)
def test_json_pointer(path: tuple[str | int, ...], pointer: str) -> None:
    assert json_pointer(path) == pointer


# -- load_document and read_document -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "filename", "expected"),
    [
        ('{"a": 1}', "flow.json", {"a": 1}),
        ('{"a": 1}', "FLOW.JSON", {"a": 1}),
        ("{a: 1}", "flow.yaml", {"a": 1}),
        ("{a: 1}", "flow.yml", {"a": 1}),
        ("a: 1", "flow", {"a": 1}),
        ("a: 1", "flow.txt", {"a": 1}),
        ('\n  ["x"]', "flow.txt", ["x"]),
        ('\ufeff{"a": 1}', "flow.json", {"a": 1}),
    ],
)
def test_load_document_chooses_the_format(text: str, filename: str, expected: Any) -> None:
    assert load_document(text, filename)[0] == expected


@pytest.mark.parametrize("filename", ["flow.json", "flow", "flow.txt"])
def test_load_document_uses_strict_json_for_json(filename: str) -> None:
    error = syntax_error(lambda text: load_document(text, filename), "{a: 1}")
    assert error.message.startswith("expected a double-quoted property name")


def test_read_document_with_and_without_bom(tmp_path: Path) -> None:
    plain = tmp_path / "flow.json"
    plain.write_bytes(FLOW_JSON.encode())
    with_bom = tmp_path / "bom.yaml"
    with_bom.write_bytes(b"\xef\xbb\xbf" + FLOW_YAML.encode())
    json_data, json_map = read_document(plain)
    yaml_data, yaml_map = read_document(with_bom)
    assert json_data == yaml_data == json.loads(FLOW_JSON)
    assert json_map.values[FIELD0_SOURCE] == Position(9, 27)
    assert yaml_map.keys[("name",)] == Position(1, 1)
    assert yaml_map.values[FIELD0_SOURCE] == Position(7, 24)


def test_read_document_keeps_crlf_positions(tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_bytes(b'{\r\n  "name": "\xc3\xa9",\r\n  "steps": []\r\n}\r\n')
    data, source_map = read_document(path)
    assert data == {"name": "é", "steps": []}
    assert source_map.values[("steps",)] == Position(3, 12)


def test_read_document_rejects_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "flow.json"
    path.write_bytes('{"name": "café"}'.encode("latin-1"))
    error = syntax_error(read_document, path)
    assert "not UTF-8" in error.message
    assert (error.line, error.column) == (1, 1)


def test_read_document_reports_syntax_errors_with_positions(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text("steps:\n  - id: a\n    id: b\n", encoding="utf-8")
    error = syntax_error(read_document, path)
    assert error.message.startswith("duplicate key 'id'")
    assert error.position == Position(3, 5)


# -- the reference templates ---------------------------------------------------------------------


def template_files() -> list[Any]:
    if not TEMPLATES.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{TEMPLATES} is missing"))]
    return [pytest.param(path, id=path.name) for path in sorted(TEMPLATES.glob("*.json"))]


@pytest.mark.parametrize("template", template_files())
def test_reference_templates_load_like_json_load(template: Path) -> None:
    with template.open(encoding="utf-8") as stream:
        expected = json.load(stream)
    data, source_map = read_document(template)
    assert data == expected
    assert_complete(data, source_map)
    yaml_data, yaml_map = load_yaml(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert yaml_data == expected
    assert set(yaml_map.values) == set(source_map.values)


def test_there_are_reference_templates() -> None:
    if not TEMPLATES.is_dir():
        pytest.skip(f"{TEMPLATES} is missing")
    assert list(TEMPLATES.glob("*.json"))
