"""``dataflow init silverpop --config customer.yaml --out DIR``: a customer's copies of the sample flows.

The configuration holds exactly what the customer provides (pod, OAuth client, list and table ids, the SMS and
scoring switches); secrets must be ``${env:NAME}`` placeholders, so they are read from the job's environment
when it runs and never stored in a flow. Every flow written is validated before this command succeeds.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from dataflow import jsonio
from dataflow.cli.commands import UsageError, print_diagnostics
from dataflow.loading import UnreadableDocument, read_checked, read_document
from dataflow.resources import flows_dir
from dataflow.validation import validate_path
from dataflow.variables import VARIABLE, fill

SECRETS = ("clientSecret", "refreshToken")
_ENV_PLACEHOLDER = re.compile(r"\$\{env:[A-Za-z_][A-Za-z0-9_]*\}")


def add_parser(commands: argparse._SubParsersAction) -> None:
    init = commands.add_parser("init", help="write a customer's copies of an integration's sample flows")
    init.add_argument("integration", choices=("silverpop",))
    init.add_argument("--config", required=True, metavar="FILE", help="the customer's configuration (YAML or JSON)")
    init.add_argument("--out", required=True, metavar="DIR", help="directory to write the flows into")
    init.add_argument("--force", action="store_true", help="overwrite flows already in DIR")


def run(args: argparse.Namespace) -> int:
    samples = sorted((flows_dir() / args.integration).glob("*.json"))
    config = _config(Path(args.config))
    wanted = set()
    for sample in samples:
        wanted |= set(VARIABLE.findall(sample.read_text(encoding="utf-8")))
    missing, unknown = sorted(wanted - set(config)), sorted(set(config) - wanted)
    if missing or unknown:
        parts = [f"missing: {', '.join(missing)}"] if missing else []
        parts += [f"not used by any flow: {', '.join(unknown)}"] if unknown else []
        raise UsageError(f"{args.config}: " + "; ".join(parts))
    for name in SECRETS:
        if not (isinstance(config[name], str) and _ENV_PLACEHOLDER.fullmatch(config[name])):
            raise UsageError(f"{args.config}: {name} must be an ${{env:NAME}} placeholder; secrets are never stored")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written, problems = [], []
    for sample in samples:
        target = out / sample.name
        if target.exists() and not args.force:
            raise UsageError(f"{target} exists; pass --force to overwrite")
        document, _ = read_document(sample)
        filled, gaps = fill(document, config)
        assert not gaps, gaps  # every variable was checked above
        target.write_text(jsonio.dumps_pretty(filled) + "\n", encoding="utf-8")
        written.append(target)
        problems.extend(validate_path(target).diagnostics)
    if problems:
        print_diagnostics(problems)
        return 1
    for target in written:
        print(f"wrote {target}")
    return 0


def _config(path: Path) -> dict[str, Any]:
    try:
        data, _ = read_checked(path)
    except UnreadableDocument as problem:
        raise UsageError(str(problem)) from problem
    if not isinstance(data, dict):
        raise UsageError(f"{path} must hold a mapping of settings")
    return data
