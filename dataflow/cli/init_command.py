"""``dataflow init silverpop --config customer.yaml --out DIR``: a customer's flows and what to create in Silverpop.

From the customer's configuration (``flows/silverpop/customer.example.yaml`` for newsletter fields in one
database, ``customer.newsletter-databases.example.yaml`` for one database per newsletter) it writes the flows
the configuration calls for (one per relational table given, scoring only when enabled), a header-only CSV per
relational table and ``silverpop-setup.md``, the checklist of database fields and table columns with their
Silverpop types. Secrets must be ``${env:NAME}`` placeholders, read from the job's environment when it runs.

Nothing is written unless everything can be: the configuration is checked, every flow is built and validated,
and the files are written to a temporary directory beside ``DIR`` first, then moved into place.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from dataflow.cli.commands import UsageError, print_diagnostics
from dataflow.cli.silverpop import load, outputs
from dataflow.validation import validate_text


def add_parser(commands: argparse._SubParsersAction) -> None:
    init = commands.add_parser("init", help="write a customer's flows and Silverpop set-up checklist")
    init.add_argument("integration", choices=("silverpop",))
    init.add_argument("--config", required=True, metavar="FILE", help="the customer's configuration (YAML or JSON)")
    init.add_argument("--out", required=True, metavar="DIR", help="directory to write into")
    init.add_argument("--force", action="store_true", help="overwrite files already in DIR")


def run(args: argparse.Namespace) -> int:
    config = load(Path(args.config))
    written = outputs(config)
    out = Path(args.out)
    clashes = [name for name in written if (out / name).exists()]
    if clashes and not args.force:
        raise UsageError(f"{out / clashes[0]} exists; pass --force to overwrite (nothing was written)")
    problems = []
    for name, text in written.items():
        if name.endswith(".json"):
            problems.extend(validate_text(text, str(out / name)).diagnostics)
    if problems:
        print_diagnostics(problems)
        return 1
    place(written, out)
    for name in written:
        print(f"wrote {out / name}")
    return 0


def place(written: dict[str, str], out: Path) -> None:
    """Write every file into a temporary directory beside ``out``, then move them into ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.init-", dir=out.parent))
    try:
        for name, text in written.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        if not out.exists():
            os.replace(staging, out)
            return
        for name in written:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
