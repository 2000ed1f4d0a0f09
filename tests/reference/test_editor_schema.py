"""`dataflow schema`: one draft-07 schema editors use to complete and check flow files. It accepts every shipped
flow and agrees with the engine on every public template; it rejects broken flows where the engine does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from dataflow import schemas
from dataflow.cli.main import main
from dataflow.flowtest.model import is_test_file
from dataflow.loading import read_document
from dataflow.reference.editor_schema import editor_schema
from dataflow.registry import UnknownComponent, default_registry
from dataflow.variables import fill
from tests.templates.locate import templates_dir

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = templates_dir()
DSV = "file.format.dsv"
FLOWS = sorted(
    p
    for p in (ROOT / "flows").rglob("*")
    if p.suffix in (".json", ".yaml") and not is_test_file(p) and not p.name.startswith("customer.")  # configurations
)


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = editor_schema(default_registry())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def rejected(validator: Draft7Validator, flow: Any) -> set[str]:
    """Where the errors are, as an editor underlines them: inside an anyOf, at the alternative's deepest error."""
    found = set()
    for error in validator.iter_errors(flow):
        while error.context:
            error = max(error.context, key=lambda e: len(e.absolute_path))
        found.add("/" + "/".join(str(p) for p in error.absolute_path))
    return found


def test_the_command_prints_the_schema(capsys: pytest.CaptureFixture) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert printed == json.loads(json.dumps(editor_schema(default_registry())))


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_shipped_flows_pass_as_written_and_filled(validator: Draft7Validator, path: Path) -> None:
    flow, _ = read_document(path)
    assert rejected(validator, flow) == set()  # {{variables}} unfilled, as an author edits them
    beside = path.parent / "customer.example.yaml"  # each partner's flows have their own configuration
    config, _ = read_document(beside if beside.is_file() else ROOT / "flows" / "silverpop" / "customer.example.yaml")
    filled, _ = fill(flow, config)
    assert rejected(validator, filled) == set()


def _engine_rejects(flow: dict[str, Any]) -> set[int]:
    """Steps the engine's own (2020-12) params schemas reject, or whose type it does not know."""
    registry = default_registry()
    found = set()
    for index, step in enumerate(flow["steps"]):
        try:
            info = registry.get(step["type"])
        except UnknownComponent:
            found.add(index)
            continue
        if list(schemas.problems(schemas.validator_for(info.schema), step.get("params", {}))):
            found.add(index)
    return found


@pytest.mark.skipif(not TEMPLATES.is_dir(), reason="reference templates not present")
def test_public_templates_are_judged_as_the_engine_judges_them(validator: Draft7Validator) -> None:
    files = sorted(TEMPLATES.glob("*.json"))
    assert len(files) == 21
    clean = 0
    for path in files:
        flow = json.loads(path.read_text())
        steps = {int(pointer.split("/")[2]) for pointer in rejected(validator, flow)}
        assert steps == _engine_rejects(flow), path.name
        clean += not steps
    assert clean >= 4  # blank, gameMechanics and the two Silverpop ones (more as partner components arrive)


@pytest.mark.parametrize(
    ("step", "pointer"),
    [
        ({"id": "r", "type": "field.rename", "params": {"fields": [{"sourceField": "a"}]}}, "/steps/0/params/fields/0"),
        ({"id": "r", "type": "field.rename", "params": {"fields": [], "extra": 1}}, "/steps/0/params"),
        ({"id": "r", "type": "field.renme", "params": {}}, "/steps/0/type"),
        (
            {"id": "d", "type": "file.format.dsv", "params": {"fileName": "x", "maxFileSize": "ten"}},
            "/steps/0/params/maxFileSize",
        ),
        (
            {"id": "d", "type": "file.format.dsv", "params": {"fileName": "x", "lineEnd": ";"}},
            "/steps/0/params/lineEnd",
        ),
        ({"id": "w", "type": "datasource.write.silverpop"}, "/steps/0"),
        ({"type": "field.remove", "params": {"fields": ["a"]}}, "/steps/0"),
        ({"id": "x", "type": "field.remove", "params": {"fields": ["a"]}, "nxt": ["y"]}, "/steps/0"),
    ],
)
def test_broken_flows_are_rejected_where_they_break(validator: Draft7Validator, step: dict, pointer: str) -> None:
    assert pointer in rejected(validator, {"name": "broken", "steps": [step]})


def test_template_variables_stand_for_any_value_but_not_for_nonsense(validator: Draft7Validator) -> None:
    def step(params: dict[str, Any]) -> dict[str, Any]:
        return {"name": "v", "steps": [{"id": "d", "type": "file.format.dsv", "params": params}]}

    assert rejected(validator, step({"fileName": "x", "maxFileSize": "{{size}}", "lineEnd": "{{ending}}"})) == set()
    assert rejected(validator, step({"fileName": "x", "maxFileSize": "{{size}} MB"})) == {"/steps/0/params/maxFileSize"}


def test_editors_get_descriptions_for_hover(validator: Draft7Validator) -> None:
    schema = validator.schema
    type_spec = schema["definitions"]["step"]["properties"]["type"]
    assert len(type_spec["enum"]) == len(type_spec["enumDescriptions"]) == len(default_registry().types())
    for name in type_spec["enum"]:
        params = schema["definitions"][f"params.{name}"]
        assert params["description"], name
        for param, spec in params.get("properties", {}).items():
            assert spec.get("description"), (name, param)
    assert schema["definitions"]["step"]["properties"]["next"]["description"]  # kept beside its $ref


def test_shipped_test_files_match_the_test_file_schema(capsys: pytest.CaptureFixture) -> None:
    assert main(["schema", "--test-file"]) == 0
    schema = json.loads(capsys.readouterr().out)
    Draft7Validator.check_schema(schema)
    test_files = sorted((ROOT / "flows").rglob("*.test.yaml"))
    assert test_files
    for path in test_files:
        data, _ = read_document(path)
        assert list(Draft7Validator(schema).iter_errors(data)) == [], path
    assert list(Draft7Validator(schema).iter_errors({"flow": "x", "tests": [{"name": "a", "feeed": {}}]}))


def test_java_regexes_are_not_judged_as_ecmascript(validator: Draft7Validator) -> None:
    """An editor would read ``format: regex`` as ECMAScript; flows hold Java regexes, which validate checks."""
    java_only = {"path": "in", "fileNameRegex": r"\Qexport.v2\E.*+"}
    flow = {"name": "v", "steps": [{"id": "r", "type": "datasource.read.file", "params": java_only}]}
    assert rejected(validator, flow) == set()
    assert '"format": "regex"' not in json.dumps(validator.schema)
