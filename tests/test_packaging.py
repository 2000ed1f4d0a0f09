"""A non-editable install carries the schemas, the sample flows and the entry points."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _build_wheel(out: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("*.whl"))


def test_wheel_ships_schemas_flows_and_entry_points(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        declared = archive.read(entry_points).decode()
    assert "dataflow/_resources/schemas/dataflow.schema.json" in names
    for schema in (ROOT / "schemas" / "params").glob("*.json"):
        assert f"dataflow/_resources/schemas/params/{schema.name}" in names
    assert "dataflow/_resources/flows/local/accounts-to-silverpop-csv.yaml" in names
    for console_file in ("templates/flow.html", "templates/job.html", "static/console.js", "static/console.css"):
        assert f"dataflow/server/console/{console_file}" in names  # the console works from a plain install
    assert "[dataflow.components]" in declared and "steps = steps.catalogue:COMPONENTS" in declared
    assert "dataflow = dataflow.cli.main:main" in declared

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from dataflow.resources import schemas_dir, flows_dir;"
        "from dataflow.validation import validate_path;"
        "assert str(schemas_dir()).startswith(sys.argv[1]), schemas_dir();"
        "flow = flows_dir() / 'local' / 'accounts-to-silverpop-csv.yaml';"
        "result = validate_path(flow);"
        "assert result.ok, [d.format() for d in result.diagnostics];"
        "print('ok', flow)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(target)], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"ok {target}")
