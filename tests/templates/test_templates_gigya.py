"""Every public template that reads or writes Gigya runs end to end against the Gigya sandbox, unchanged apart
from its other services: a local file writer stands in for file sinks (SFTP, S3, Azure, Silverpop), captured
records for API sinks, given records for non-Gigya readers. The partner formats (Adobe AAM, Krux, LZO) run for
real; the AAM step gets a data source id, as a customer fills it in."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataflow.testing import CAPTURED, run_spliced
from sandbox.gigya import GigyaSandbox
from tests.templates.reference import TEMPLATES

pytestmark = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="reference templates not present")
FILE_READERS = {"datasource.read.sftp", "datasource.read.amazon.s3", "datasource.read.azure.blob"}
FILLED_IN = {"file.format.aam": {"dpid": "12345"}}  # the template ships "..." where the customer's id goes


def _gigya_templates() -> list[str]:
    if not TEMPLATES.is_dir():
        return []
    names = []
    for path in sorted(TEMPLATES.glob("*.json")):
        if ".gigya." in path.read_text():
            names.append(path.name)
    return names


@pytest.fixture(scope="module")
def site() -> Iterator[GigyaSandbox]:
    with GigyaSandbox(accounts=300, seed=5) as sandbox:
        yield sandbox


def _given_records(flow: dict[str, Any], uids: list[str]) -> list[dict[str, Any]]:
    """Records shaped for the template's first rename: every source field set, the one that becomes UID real."""
    rename = next((s for s in flow["steps"] if s["type"] == "field.rename"), None)
    items = rename["params"]["fields"] if rename else []
    records = []
    for index, uid in enumerate(uids):
        record: dict[str, Any] = {}
        if not any(item["targetField"] == "UID" for item in items):
            record["UID"] = uid  # the file's own UID column
        for item in items:
            source, target = item["sourceField"], item["targetField"].lower()
            if target == "uid":
                value: Any = uid
            elif "mail" in target:
                value = f"inbound{index}@example.com"
            elif target.endswith("gender"):
                value = "f"  # Gigya's schema takes m, f or u
            elif target.endswith(("birthyear", "birthmonth", "birthday", "age")):
                value = 1 + index
            else:
                value = f"v{index}-{source.rsplit('.', 1)[-1]}"
            record[source] = value
        records.append(record)
    return records


def _replacements(flow: dict[str, Any], uids: list[str], out: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    feeds: dict[str, list[str]] = {}
    for step in flow["steps"]:
        for target in step.get("next", []):
            feeds.setdefault(target, []).append(step["type"])
    replacements: dict[str, tuple[str, dict[str, Any]]] = {}
    for step in flow["steps"]:
        kind, step_id = step["type"], step["id"]
        if ".gigya." in kind:
            continue
        if kind.startswith("datasource.read."):
            records = _given_records(flow, uids)
            if kind in FILE_READERS:  # a file store: the records as the CSV file it would hold
                path = out.parent / f"{step_id}.csv"
                with path.open("w", newline="") as handle:
                    writer = csv.DictWriter(handle, fieldnames=list(records[0]))
                    writer.writeheader()
                    writer.writerows(records)
                replacements[step_id] = ("testing.files", {"paths": [str(path)]})
            else:
                replacements[step_id] = ("testing.records", {"records": records})
        elif kind.startswith("datasource.write."):
            takes_files = any(upstream.startswith("file.") for upstream in feeds.get(step_id, []))
            writer = ("datasource.write.file", {"path": str(out / step_id)})
            replacements[step_id] = writer if takes_files else ("testing.capture.records", {})
        elif kind in FILLED_IN:
            replacements[step_id] = (kind, {**(step.get("params") or {}), **FILLED_IN[kind]})
    return replacements


@pytest.mark.parametrize("name", _gigya_templates())
def test_template_runs_against_the_gigya_sandbox(name: str, site: GigyaSandbox, tmp_path: Path) -> None:
    flow = json.loads((TEMPLATES / name).read_text())
    types = {step["type"] for step in flow["steps"]}
    uids = [site.uid(i) for i in range(3)]
    before = {uid: site.account(uid) for uid in uids}
    status = run_spliced(
        flow, _replacements(flow, uids, tmp_path / "out"), tmp_path / "jobs", environ=site.environ, full_extract=True
    )
    assert status["status"] == "succeeded", status.get("errorMessage")
    for step, counts in status["counters"].items():
        assert counts["in"] + counts["added"] == counts["out"] + counts["errors"] + counts["filtered"], step
    readers = [s["id"] for s in flow["steps"] if s["type"] == "datasource.read.gigya.account"]
    for reader in readers:
        assert status["counters"][reader]["out"] > 0, "the query read no account"
        written = list((tmp_path / "out").rglob("*")) if (tmp_path / "out").exists() else []
        captured = sum(len(items) for items in CAPTURED.values())
        assert [p for p in written if p.is_file()] or captured, "nothing reached the flow's sink"
    if "datasource.write.gigya.account" in types:
        writer = next(s["id"] for s in flow["steps"] if s["type"] == "datasource.write.gigya.account")
        assert status["counters"][writer]["out"] == len(uids)
        assert status["counters"][writer]["errors"] == 0
        changed = [uid for uid in uids if site.account(uid) != before[uid]]
        assert changed == uids, "every given account should have been updated"
