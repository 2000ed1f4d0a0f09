"""``dataflow flows add|list|show|rm``: named dataflows in the store, published or draft, versioned."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dataflow import jsonio
from dataflow.cli.commands import UsageError, load_variables, print_diagnostics
from dataflow.cli.context import store
from dataflow.loading import read_document
from dataflow.registry import default_registry
from dataflow.server.secrets import masked
from dataflow.store import StoreError
from dataflow.validation import validate_path


def add_parser(commands: argparse._SubParsersAction) -> None:
    flows = commands.add_parser("flows", help="store, list, show and remove named dataflows")
    actions = flows.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="validate a flow file and save it under its name (a new version)")
    add.add_argument("file", metavar="FILE")
    add.add_argument("--draft", action="store_true", help="save as the draft instead of the published flow")
    add.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="template variables")
    add.add_argument("--config", metavar="FILE")
    listing = actions.add_parser("list", help="list stored flows")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="print a stored flow (values of secret params masked)")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--draft", action="store_true")
    remove = actions.add_parser("rm", help="remove a flow (published and draft), its schedulings and watermark")
    remove.add_argument("name", metavar="NAME")


def run(args: argparse.Namespace) -> int:
    return {"add": _add, "list": _list, "show": _show, "rm": _remove}[args.action](args)


def _add(args: argparse.Namespace) -> int:
    path = Path(args.file)
    validated = validate_path(path, load_variables(args))
    if not validated.ok:
        print_diagnostics(validated.diagnostics)
        return 1
    document, _ = read_document(path)
    try:
        saved = store().save_flow(document, "draft" if args.draft else "published")
    except StoreError as refused:
        raise UsageError(str(refused)) from refused
    print(f"saved '{saved.name}' ({saved.status}) version {saved.version}, id {saved.id}")
    return 0


def _list(args: argparse.Namespace) -> int:
    flows = store().list_flows()
    if args.json:
        rows = [
            {"id": f.id, "name": f.name, "status": f.status, "version": f.version, "updateTime": f.updated}
            for f in flows
        ]
        print(jsonio.dumps_pretty(rows))
        return 0
    for flow in flows:
        print(f"{flow.name:<40} {flow.status:<10} v{flow.version:<4} {flow.id}  {flow.updated}")
    if not flows:
        print("no stored flows; add one with: dataflow flows add FILE", file=sys.stderr)
    return 0


def _show(args: argparse.Namespace) -> int:
    flow = store().get_flow(args.name, "draft" if args.draft else "published")
    if flow is None:
        raise UsageError(f"no {'draft' if args.draft else 'published'} flow named '{args.name}'")
    shown = masked(flow.document, default_registry())  # as the IDX API shows it: secret params as ********
    document = {"id": flow.id, **shown, "status": flow.status, "version": flow.version}
    print(jsonio.dumps_pretty(document))
    return 0


def _remove(args: argparse.Namespace) -> int:
    if not store().delete_flow(args.name):
        raise UsageError(f"no flow named '{args.name}'")
    print(f"removed '{args.name}'")
    return 0
