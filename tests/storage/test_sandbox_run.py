"""``dataflow run FLOW --sandbox`` starts the file stores a flow uses beside the Gigya and Silverpop sandboxes:
the Azure import sample imports and reports against azurite; without azurite installed the run stops at once
with what to install."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dataflow.cli.main import main
from dataflow.cli.sandbox_run import flow_step_types, providers_for
from tests.storage.service import azurite_missing

ROOT = Path(__file__).resolve().parents[2]
IMPORT = ROOT / "flows" / "azure" / "import-accounts.json"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(os, "environ", os.environ.copy())  # --sandbox sets its connections in the process


@pytest.mark.skipif(azurite_missing() is not None, reason=str(azurite_missing()))
def test_the_azure_import_runs_on_azurite(capsys: pytest.CaptureFixture) -> None:
    assert main(["run", str(IMPORT), "--sandbox", "--log-level", "error"]) == 0
    out = capsys.readouterr().out
    assert "succeeded" in out
    assert "imports/accounts.csv (10 rows)" in out
    assert "reports/Success_importFullAccount_" in out and "(8 rows)" in out
    assert "reports/Error_importFullAccount_" in out and "(2 rows)" in out


def test_without_azurite_the_run_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATAFLOW_AZURITE", str(tmp_path / "no-azurite-here"))
    assert main(["run", str(IMPORT), "--sandbox"]) == 1
    err = capsys.readouterr().err
    assert "npm install -g azurite" in err and "DATAFLOW_AZURITE" in err


def test_only_the_stores_a_flow_uses_are_started() -> None:
    kinds = flow_step_types(str(IMPORT))
    assert "datasource.read.azure.blob" in kinds
    assert [provider.name for provider in providers_for(kinds)] == ["Azure Blob"]
    assert flow_step_types("a-stored-flow-name") == set()
