"""Every broken-flow case gives ``FILE:LINE:COL: step '<id>' (<type>): <message> [<pointer>]`` and exit 1."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from dataflow.cli.main import main
from dataflow.validation import validate_path
from tests.templates.reference import TEMPLATES

GOOD = """\
{
  "name": "ok",
  "steps": [
    {"id": "read", "type": "datasource.read.file", "params": {"path": "in"}, "next": ["parse"]},
    {"id": "parse", "type": "file.parse.dsv", "next": ["rename"]},
    {"id": "rename", "type": "field.rename",
     "params": {"fields": [{"sourceField": "a", "targetField": "b"}]}, "next": ["dsv"]},
    {"id": "dsv", "type": "file.format.dsv", "params": {"fileName": "x_${now}.csv"}, "next": ["write"]},
    {"id": "write", "type": "datasource.write.file", "params": {"path": "out"}}
  ]
}
"""


def _validate(tmp_path: Path, text: str, name: str = "flow.json", capsys: pytest.CaptureFixture | None = None):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    code = main(["validate", str(path)])
    output = capsys.readouterr().out if capsys else ""
    return path, code, output


def test_a_good_flow_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _, code, output = _validate(tmp_path, GOOD, capsys=capsys)
    assert code == 0, output
    assert "1 flow(s) valid" in output


@pytest.mark.parametrize(
    ("case", "old", "new", "expected"),
    [
        (
            "cycle",
            '"params": {"path": "out"}}',
            '"params": {"path": "out"}, "next": ["rename"]}',
            ":9:90: step 'write' (datasource.write.file): cycle: rename → dsv → write → rename [/steps/4/next/0]",
        ),
        (
            "dangling next",
            '"next": ["parse"]',
            '"next": ["prase"]',
            ":4:87: step 'read' (datasource.read.file): 'next' names step 'prase', which does not exist; "
            "did you mean 'parse'? [/steps/0/next/0]",
        ),
        (
            "wrong param type",
            '"params": {"fileName": "x_${now}.csv"}',
            '"params": {"fileName": "x_${now}.csv", "writeHeader": "yes"}',
            ":8:100: step 'dsv' (file.format.dsv): param 'writeHeader': expected boolean, got string \"yes\" "
            "[/steps/3/params/writeHeader]",
        ),
        (
            "unknown placeholder",
            "x_${now}.csv",
            "x_${tomorrow}.csv",
            ":8:72: step 'dsv' (file.format.dsv): unknown placeholder ${tomorrow}; known: now, now:<pattern>, "
            "now-1h, jobId, apiKey, env:NAME [/steps/3/params/fileName]",
        ),
        (
            "duplicate id",
            '{"id": "parse", "type": "file.parse.dsv"',
            '{"id": "read", "type": "file.parse.dsv"',
            ":5:12: step 'read' (file.parse.dsv): duplicate step id (first defined on line 4) [/steps/1/id]",
        ),
        (
            "kind mismatch",
            '"next": ["parse"]',
            '"next": ["rename"]',
            ":4:87: step 'read' (datasource.read.file): sends files to 'rename' (field.rename), which consumes records "
            "[/steps/0/next/0]",
        ),
        (
            "misspelt type",
            '"type": "field.rename"',
            '"type": "field.renme"',
            ":6:30: step 'rename' (field.renme): unknown component type 'field.renme'; "
            "did you mean 'field.rename' or 'field.remove'? "
            "[/steps/2/type]",
        ),
        (
            "missing required param",
            '"params": {"path": "in"}',
            '"params": {}',
            ":4:62: step 'read' (datasource.read.file): missing required param 'path' [/steps/0/params]",
        ),
        (
            "unknown param",
            '"params": {"path": "out"}',
            '"params": {"path": "out", "pth": 1}',
            ":9:80: step 'write' (datasource.write.file): unknown param 'pth'; did you mean 'path'? "
            "[/steps/4/params/pth]",
        ),
        (
            "bad enum",
            '"params": {"path": "in"}',
            '"params": {"path": "in", "sortBy": "size"}',
            ':4:87: step \'read\' (datasource.read.file): param \'sortBy\': "size" is not one of "name", "time" '
            "[/steps/0/params/sortBy]",
        ),
        (
            "bad date pattern",
            "x_${now}.csv",
            "x_${now:yyyyqq}.csv",
            ":8:82: step 'dsv' (file.format.dsv): bad date pattern in ${now:yyyyqq}: Illegal pattern character 'q' "
            "[/steps/3/params/fileName]",
        ),
    ],
)
def test_broken_flows_point_at_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture, case: str, old: str, new: str, expected: str
) -> None:
    assert old in GOOD, case
    path, code, output = _validate(tmp_path, GOOD.replace(old, new, 1), capsys=capsys)
    assert code == 1, case
    assert f"{path}{expected}" in output, output


def test_yaml_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text = """\
    name: broken
    steps:
      - id: read
        type: datasource.read.file
        params: {path: in
      - id: other
    """
    path, code, output = _validate(tmp_path, text, name="flow.yaml", capsys=capsys)
    assert code == 1
    assert output.startswith(f"{path}:6:")
    assert "expected ',' or '}'" in output


def test_json_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path, code, output = _validate(tmp_path, '{"name": "x",\n  "steps": [}\n', capsys=capsys)
    assert code == 1
    assert output.startswith(f"{path}:2:13: ")


def test_every_error_is_reported_not_only_the_first(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    broken = GOOD.replace('"type": "field.rename"', '"type": "field.renme"').replace('"prase"', "x")
    broken = broken.replace('"params": {"path": "out"}', '"params": {"path": 5}').replace("${now}", "${later}")
    _, code, output = _validate(tmp_path, broken, capsys=capsys)
    assert code == 1
    lines = output.strip().splitlines()
    assert len(lines) == 3
    assert "field.renme" in lines[0] and "expected string, got integer 5" in output and "${later}" in output


def test_structural_problems(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    flow = {
        "name": "shape",
        "extra": 1,
        "steps": [
            {
                "id": "a",
                "type": "field.rename",
                "params": {"fields": [{"sourceField": "x", "targetField": "y"}]},
            },
            {"id": "b", "type": "field.remove", "params": {"fields": ["x"]}, "next": ["c"]},
            {"id": "c", "type": "field.remove", "params": {"fields": ["x"]}, "next": ["b"]},
            {"type": "field.remove"},
        ],
    }
    path = tmp_path / "shape.json"
    path.write_text(json.dumps(flow, indent=1))
    result = validate_path(path)
    codes = sorted(d.code for d in result.diagnostics)
    assert codes == ["cycle", "kind-mismatch", "schema", "schema", "unreachable", "unreachable"]
    messages = "\n".join(d.format() for d in result.diagnostics)
    assert "unknown property 'extra'" in messages
    assert "missing required property 'steps[3].id'" in messages
    assert "step 'a' (field.rename): entry point needs records from an upstream step" in messages


def test_no_entry_point(tmp_path: Path) -> None:
    flow = {
        "name": "loop",
        "steps": [
            {"id": "a", "type": "field.remove", "params": {"fields": ["x"]}, "next": ["b"]},
            {"id": "b", "type": "field.remove", "params": {"fields": ["x"]}, "next": ["a"]},
        ],
    }
    path = tmp_path / "loop.json"
    path.write_text(json.dumps(flow))
    codes = {d.code for d in validate_path(path).diagnostics}
    assert {"no-entry", "cycle"} <= codes


def test_missing_template_variable_and_filled_variable(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text = GOOD.replace('"path": "in"', '"path": "{{inbox}}"')
    path, code, output = _validate(tmp_path, text, capsys=capsys)
    assert code == 1
    assert "template variable {{inbox}} has no value" in output
    assert main(["validate", str(path), "--param", "inbox=/data/in"]) == 0


def test_json_format_lists_the_same_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "flow.json"
    path.write_text(GOOD.replace('"field.rename"', '"field.renme"'))
    assert main(["validate", "--format", "json", str(path)]) == 1
    found = json.loads(capsys.readouterr().out)
    assert found == [
        {
            "file": str(path),
            "line": 6,
            "column": 30,
            "code": "unknown-type",
            "message": "unknown component type 'field.renme'; did you mean 'field.rename' or 'field.remove'?",
            "pointer": "/steps/2/type",
            "stepId": "rename",
            "stepType": "field.renme",
        }
    ]


@pytest.mark.skipif(not TEMPLATES.is_dir(), reason="reference templates not present")
def test_public_templates_only_miss_their_connection_params(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # SFTP host keys come from the operator's site-wide known_hosts, so public flows load unchanged
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    monkeypatch.setenv("DATAFLOW_SFTP_KNOWN_HOSTS", str(known_hosts))
    files = sorted(TEMPLATES.glob("*.json"))
    assert len(files) == 21
    for file in files:
        result = validate_path(file)
        assert result.flow is not None, file
        for diagnostic in result.diagnostics:
            assert diagnostic.step_id and diagnostic.line > 1
            assert diagnostic.code != "unknown-type", diagnostic.format()  # every component they use is built
            # templates ship with their connection params blank ("", "..."): those are the only other findings
            param = diagnostic.pointer.split("/")[4] if diagnostic.pointer.count("/") >= 4 else ""
            assert diagnostic.code == "params" and param in CONNECTION_PARAMS, diagnostic.format()


CONNECTION_PARAMS = {"host", "username", "password", "remotePath", "port", "podNumber", "listId", "apiUrl"} | {
    # the partner connectors' credentials (tests/templates/test_templates_validate.py fills them all in)
    "apiKey",
    "clientId",
    "clientSecret",
    "baseUrl",
    "accessToken",
    "secretKey",
    "siteId",
    "bkuid",
    "token",
    # dpid: AAM's data source id, which the template leaves as "..." for the customer to fill in
    "dpid",
}


def test_a_secret_param_of_the_wrong_type_is_reported_without_its_value(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    flow = {
        "name": "secrets",
        "steps": [
            {"id": "get", "type": "datasource.read.sftp", "next": ["put"],
             "params": {"host": "h", "username": "u", "password": 918273645546, "hostKey": "k"}},
            {"id": "put", "type": "datasource.write.sftp",
             "params": {"host": "h", "username": "u", "password": ["in-a-list-7f3a"], "hostKey": "k", "port": "22x"}},
        ],
    }  # fmt: skip
    _, code, output = _validate(tmp_path, json.dumps(flow, indent=1), capsys=capsys)
    assert code == 1
    assert "param 'password': expected string, got integer (not shown: a secret)" in output
    assert "param 'password': expected string, got array (not shown: a secret)" in output
    assert "918273645546" not in output and "in-a-list-7f3a" not in output
    assert '"22x"' in output  # an ordinary param still shows what was written
