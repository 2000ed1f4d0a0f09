"""docs/components.md is what `dataflow docs components` writes today, and every component and param is described."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataflow.cli.main import main
from dataflow.reference import components_doc
from dataflow.registry import default_registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "components.md"


def test_the_committed_reference_is_current() -> None:
    generated = components_doc.render(default_registry())
    assert DOC.read_text(encoding="utf-8") == generated, (
        "docs/components.md is out of date: run `dataflow docs components > docs/components.md`"
    )


def test_nothing_is_left_undescribed() -> None:
    assert list(components_doc.gaps(default_registry())) == []


def test_every_component_has_a_section_with_its_params_and_an_example() -> None:
    text = components_doc.render(default_registry())
    registry = default_registry()
    for name in registry.types():
        section = text.split(f"### `{name}`\n", 1)[1].split("\n### ", 1)[0]
        assert "```json" in section, name
        for param in registry.get(name).schema.get("properties", {}):
            assert f"| `{param}` |" in section, (name, param)
    assert "| `clientSecret` | string, **secret** | yes |" in text
    assert "| `fields[].sourceField` | string | yes |  | Path of the field to move" in text


def test_gaps_are_reported_on_stderr(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    registry = default_registry()
    info = registry.get("field.move")
    bare = {key: value for key, value in info.schema.items() if key not in ("description", "examples")}
    bare["properties"] = {name: {"type": "string"} for name in info.schema["properties"]}
    monkeypatch.setattr(info.cls, "params_schema", bare, raising=False)
    assert main(["docs", "components"]) == 0
    err = capsys.readouterr().err
    assert "dataflow docs: field.move: the params schema has no description of the component" in err
    assert "dataflow docs: field.move: param 'after' has no description" in err


def test_check_says_when_the_file_is_stale(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    stale = tmp_path / "components.md"
    stale.write_text("# old\n")
    assert main(["docs", "components", "--check", str(stale)]) == 1
    assert "is out of date" in capsys.readouterr().err
    assert main(["docs", "components", "--check", str(DOC)]) == 0
