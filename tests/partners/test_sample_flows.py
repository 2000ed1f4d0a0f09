"""The partner sample flows in flows/<partner>/: each validates once its example configuration fills it in, the
configuration holds exactly the variables the flows use, and every secret is an ${env:NAME} placeholder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from dataflow.cli.main import main
from dataflow.cli.partner_sandboxes import PARTNER_PROVIDERS
from dataflow.registry import default_registry
from dataflow.schemas import secret_params
from dataflow.validation import validate_path

ROOT = Path(__file__).resolve().parents[2]
PARTNER_DIRS = ("mailchimp", "marketo", "campaignmonitor", "constantcontact", "salesforce", "exacttarget", "bluekai")
FLOWS = sorted(p for d in PARTNER_DIRS for p in (ROOT / "flows" / d).glob("*.json"))
VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}")


def config(directory: Path) -> dict:
    return yaml.safe_load((directory / "customer.example.yaml").read_text())


def test_every_partner_has_sample_flows_and_a_sandbox_provider() -> None:
    flow_types = set()
    for path in FLOWS:
        flow_types |= {step["type"] for step in yaml.safe_load(path.read_text())["steps"]}
    partner_types = {t for t in flow_types if t.startswith("datasource.") and ".gigya." not in t}
    assert partner_types == set(PARTNER_PROVIDERS)  # every reader and writer of a partner, each served by --sandbox
    assert {p.parent.name for p in FLOWS} == set(PARTNER_DIRS)


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_flow_validates_with_its_example_config(path: Path) -> None:
    validated = validate_path(path, config(path.parent))
    assert validated.ok, [d.format() for d in validated.diagnostics]
    assert not validate_path(path, {}).ok  # unfilled, the connection is missing


@pytest.mark.parametrize("directory", PARTNER_DIRS)
def test_the_example_config_holds_exactly_what_the_flows_use(directory: str) -> None:
    """Every variable a flow names is in the configuration and nothing else; a secret param (``writeOnly`` in its
    schema) is always a variable, and the configuration gives it as ${env:NAME}, never as a value."""
    folder = ROOT / "flows" / directory
    given = config(folder)
    used: set[str] = set()
    registry = default_registry()
    for path in folder.glob("*.json"):
        used |= set(VARIABLE.findall(path.read_text()))
        for step in json.loads(path.read_text())["steps"]:
            for name in secret_params(registry.get(step["type"]).schema) & set(step.get("params", {})):
                [variable] = VARIABLE.fullmatch(step["params"][name]).groups()
                assert re.fullmatch(r"\$\{env:[A-Z_]+\}", given[variable]), (path.name, name)
    assert used == set(given)


def test_validating_a_partner_directory_from_the_command_line(capsys: pytest.CaptureFixture) -> None:
    folder = ROOT / "flows" / "mailchimp"
    assert main(["validate", str(folder), "--config", str(folder / "customer.example.yaml")]) == 0
    assert "2 flow(s) valid" in capsys.readouterr().out
