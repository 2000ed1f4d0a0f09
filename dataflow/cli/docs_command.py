"""``dataflow docs components`` and ``dataflow schema``: what the project publishes, generated from the registry.

Both work from an installed package (the schemas and sample flows ship inside it). The component reference
goes to stdout; what it cannot describe (a component or param without a description, a component without an
example) is reported on stderr, so the gaps get filled in the schemas rather than in the generated file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dataflow import jsonio
from dataflow.cli.commands import UsageError
from dataflow.reference import components_doc, editor_schema
from dataflow.registry import default_registry


def add_parsers(commands: argparse._SubParsersAction) -> None:
    docs = commands.add_parser("docs", help="generate documentation: docs components > docs/components.md")
    docs.add_argument("what", choices=("components",), help="components: the component reference (Markdown)")
    docs.add_argument(
        "--check", metavar="FILE", help="exit 1 when FILE is not what would be generated (for CI), print nothing"
    )
    schema = commands.add_parser("schema", help="print the dataflow JSON Schema for editors (VS Code YAML/JSON)")
    schema.add_argument(
        "--test-file", action="store_true", help="the schema of test files (*.test.yaml) instead of flows"
    )


def docs(args: argparse.Namespace) -> int:
    registry = default_registry()
    text = components_doc.render(registry)
    for gap in components_doc.gaps(registry):
        print(f"dataflow docs: {gap}", file=sys.stderr)
    if args.check:
        try:
            current = Path(args.check).read_text(encoding="utf-8")
        except OSError as problem:
            raise UsageError(f"cannot read {args.check}: {problem.strerror}") from problem
        if current != text:
            print(f"{args.check} is out of date: run `dataflow docs components > {args.check}`", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


def schema(args: argparse.Namespace) -> int:
    if args.test_file:
        from dataflow.flowtest.spec import schema_of_test_files

        document = {"$schema": editor_schema.DRAFT_07, **editor_schema.draft7(schema_of_test_files())}
    else:
        document = editor_schema.editor_schema(default_registry())
    print(jsonio.dumps_pretty(document))
    return 0
