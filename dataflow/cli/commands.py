"""``validate``, ``graph`` and ``steps``: the commands that read flows and the registry but run nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dataflow import jsonio
from dataflow.diagnostics import Diagnostic
from dataflow.flowtest.model import is_test_file
from dataflow.loading import DocumentSyntaxError, SourceMap, UnreadableDocument, read_checked, read_document
from dataflow.reference.describe import describe
from dataflow.registry import UnknownComponent, default_registry
from dataflow.validation import ValidatedFlow, validate_path
from dataflow.variables import parse_assignments

FLOW_SUFFIXES = (".json", ".yaml", ".yml")


class UsageError(Exception):
    """Bad command-line input (exit code 2)."""


def read_settings(path: Path, label: str, what: str) -> tuple[dict[str, Any], SourceMap]:
    """A YAML/JSON file holding a mapping, and where each value is written; ``UsageError`` naming ``label``."""
    try:
        data, source = read_checked(path)
    except UnreadableDocument as problem:
        raise UsageError(f"{label}: {problem}") from problem
    if not isinstance(data, dict):
        raise UsageError(f"{label} must hold a mapping of {what}")
    return data, source


def load_variables(args: argparse.Namespace) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    if getattr(args, "config", None):
        data, _ = read_settings(Path(args.config), f"--config {args.config}", "variable names to values")
        variables.update(data)
    try:
        variables.update(parse_assignments(getattr(args, "param", []) or []))
    except ValueError as problem:
        raise UsageError(str(problem)) from problem
    return variables


SITE_KEYS = {
    "apiKey": "GIGYA_API_KEY",
    "userKey": "GIGYA_USER_KEY",
    "secret": "GIGYA_SECRET",
    "dataCenter": "GIGYA_DATA_CENTER",
    "baseUrl": "GIGYA_BASE_URL",
}


def site_environ(path: str | None, base: dict[str, str]) -> dict[str, str]:
    """The environment with a ``--site`` file's connection settings laid over ``GIGYA_*``."""
    environ = dict(base)
    if not path:
        return environ
    data, _ = read_settings(Path(path), f"--site {path}", "settings such as apiKey: ..., secret: ...")
    unknown = sorted(set(data) - set(SITE_KEYS))
    if unknown:
        raise UsageError(f"--site {path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(SITE_KEYS)}")
    for key, name in SITE_KEYS.items():
        if data.get(key) is not None:
            environ[name] = str(data[key])
    return environ


def flow_files(paths: list[str]) -> list[Path]:
    """Files named on the command line, and the flow files found in named directories.

    In a directory, a JSON/YAML file counts as a flow only when it holds a ``steps`` list at the top, so that
    configuration files kept beside flows (``customer.yaml``) are not reported as broken flows; flow unit test
    files (``*.test.yaml``) are never flows, even broken ones (``dataflow test`` reports those).
    """
    files: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix in FLOW_SUFFIXES and p.is_file() and not is_test_file(p)
            )
            files.extend(p for p in found if _looks_like_flow(p))
        else:
            files.append(path)
    return files


def _looks_like_flow(path: Path) -> bool:
    try:
        data, _ = read_document(path)
    except (OSError, DocumentSyntaxError):
        return True  # report it: a broken flow file must not vanish from the check
    return isinstance(data, dict) and "steps" in data


def print_diagnostics(diagnostics: list[Diagnostic], stream: Any = None) -> None:
    stream = stream or sys.stderr
    for diagnostic in diagnostics:
        print(diagnostic.format(), file=stream)


def validate(args: argparse.Namespace) -> int:
    variables = load_variables(args)
    found: list[Diagnostic] = []
    files = flow_files(args.paths)
    if not files:
        raise UsageError("no flow files found")
    for file in files:
        found.extend(validate_path(file, variables).diagnostics)
    if args.format == "json":
        print(jsonio.dumps_pretty([d.as_dict() for d in found]))
    else:
        print_diagnostics(found, sys.stdout)
        if not found:
            print(f"{len(files)} flow(s) valid")
    return 1 if found else 0


def load_valid(args: argparse.Namespace) -> ValidatedFlow | None:
    validated = validate_path(Path(args.flow), load_variables(args))
    if not validated.ok:
        print_diagnostics(validated.diagnostics)
        return None
    return validated


def graph(args: argparse.Namespace) -> int:
    validated = load_valid(args)
    if validated is None or validated.graph is None:
        return 1
    drawing = validated.graph.to_mermaid() if args.format == "mermaid" else validated.graph.to_dot()
    sys.stdout.write(drawing)
    return 0


def steps(args: argparse.Namespace) -> int:
    registry = default_registry()
    if args.type:
        try:
            infos = [registry.get(args.type)]
        except UnknownComponent as unknown:
            raise UsageError(str(unknown)) from unknown
    else:
        infos = [registry.get(name) for name in registry.types()]
    documents = [describe(info) for info in infos]
    if args.json:
        print(jsonio.dumps_pretty(documents[0] if args.type else documents))
        return 0
    for document in documents:
        print(f"{document['type']}  ({document['consumes'] or '-'} → {document['produces'] or '-'})")
        print(f"    {document['description']}")
        if args.type or len(documents) == 1:
            for name, spec in document["params"].items():
                flags = (" (required)" if spec["required"] else "") + (" (secret)" if spec.get("secret") else "")
                default = f" [default: {jsonio.dumps(spec['default'])}]" if "default" in spec else ""
                print(f"    - {name}: {spec['type']}{flags}{default}  {spec['description']}")
    return 0
