"""``dataflow test --update``: write what the steps emitted into the test file as its new expectations.

YAML files are rewritten with ruamel.yaml's round-trip mode, so comments, key order and the flow style of
what is not updated stay as they were; new records are written one per line (``- {a: 1, b: x}``) when they are
short and flat, file contents as literal blocks. The written text is read back with the project's own loader
and checked against the intended values before the file is replaced, so an update can never leave a file that
means something else (a ``Yes`` that would read back as a boolean is quoted). JSON files are rewritten whole.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString

from dataflow import jsonio
from dataflow.flowtest.compare import same
from dataflow.flowtest.filediff import as_text, file_entry
from dataflow.flowtest.harness import Outcome
from dataflow.flowtest.model import Case, Expectation
from dataflow.loading import load_document, value_at

FLOW_STYLE_WIDTH = 100  # a record whose JSON is at most this long (and holds no line break) goes on one line
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


class UpdateError(Exception):
    """The updated file would not read back as the intended expectations; nothing was written."""


@dataclass(frozen=True)
class Change:
    path: tuple[str | int, ...]  # in the test file
    value: Any


def changes(case: Case, outcome: Outcome, current: Any) -> list[Change]:
    """The expectations of ``case`` that differ from what its job emitted, with their new values."""
    found: list[Change] = []
    for expectation in case.expectations:
        for key, value in _new_values(expectation, outcome).items():
            old = value_at(current, (*expectation.path, key))
            if old is None or not same(old, value):
                found.append(Change((*expectation.path, key), value))
    for step_id, wanted in case.counters.items():
        got = outcome.status.get("counters", {}).get(step_id, {})
        value = {name: got.get(name) for name in wanted} if wanted else dict(got)
        if value != wanted:
            found.append(Change(("tests", case.index, "counters", step_id), value))
    return found


def _new_values(expectation: Expectation, outcome: Outcome) -> dict[str, Any]:
    emitted = outcome.outputs.get(expectation.step, [])
    failed = outcome.errors.get(expectation.step, [])
    values: dict[str, Any] = {}
    if expectation.records is not None:
        values["records"] = _projected(expectation, expectation.records, emitted)
    if expectation.errors is not None or (expectation.empty and failed):
        values["errors"] = _projected(expectation, expectation.errors or [], failed)
    if expectation.files is not None:
        values["files"] = [_file(expectation.files, index, name, data) for index, (name, data) in enumerate(emitted)]
    if expectation.empty and emitted:
        if isinstance(emitted[0], tuple):
            values["files"] = [file_entry(name, data) for name, data in emitted]
        else:
            values["records"] = emitted
    if expectation.empty and not values:
        values["records"] = []
    return values


def _projected(expectation: Expectation, expected: list[Any], actual: list[Any]) -> list[Any]:
    """With ``match: contains``, keep the fields the author chose to check (all of them for new records)."""
    if expectation.match != "contains":
        return actual
    kept = []
    for index, record in enumerate(actual):
        wanted = expected[index] if index < len(expected) and isinstance(expected[index], dict) else None
        kept.append({k: v for k, v in record.items() if k in wanted} if wanted else record)
    return kept


def _file(expected: list[dict[str, Any]], index: int, name: str, data: bytes) -> dict[str, Any]:
    entry = file_entry(name, data)
    previous = expected[index] if index < len(expected) else None
    if previous is not None and "content" not in previous:
        entry.pop("content", None)  # the author checks the name (or hash) only
    if previous is not None and "sha256" in previous:
        entry["sha256"] = hashlib.sha256(data).hexdigest()
    return entry


# writing ------------------------------------------------------------------------------------------------------
def apply(path: Path, found: list[Change]) -> None:
    """Write ``found`` into the test file at ``path`` (checked by reading it back first)."""
    text = path.read_text(encoding="utf-8-sig")
    updated = _apply_json(text, found) if path.suffix == ".json" else _apply_yaml(text, found)
    data, _ = load_document(updated, path.name)
    for change in found:
        if not same(change.value, value_at(data, change.path)):
            raise UpdateError(f"{path}: the updated file would not read back as written at {_pointer(change.path)}")
    path.write_text(updated, encoding="utf-8")


def _pointer(path: tuple[str | int, ...]) -> str:
    return "".join(f"/{part}" for part in path)


def _apply_json(text: str, found: list[Change]) -> str:
    data = jsonio.loads(text)
    for change in found:
        *parents, last = change.path
        value_at(data, tuple(parents))[last] = change.value
    return jsonio.dumps_pretty(data) + "\n"


def _round_trip() -> YAML:
    handler = YAML()
    handler.preserve_quotes = True
    handler.width = 120
    handler.indent(mapping=2, sequence=4, offset=2)
    return handler


def _apply_yaml(text: str, found: list[Change]) -> str:
    handler = _round_trip()
    document = handler.load(text)
    for change in found:
        *parents, last = change.path
        parent = value_at(document, tuple(parents))
        if isinstance(parent, CommentedMap) and parent.fa.flow_style():
            parent.fa.set_block_style()  # `expect: {dsv: {}}` grows into a block
        parent[last] = _node(change.value)
    out = io.StringIO()
    handler.dump(document, out)
    return out.getvalue()


def _node(value: Any) -> Any:
    """Plain data as ruamel nodes: short records on one line, texts with line breaks as literal blocks."""
    if isinstance(value, dict):
        node = CommentedMap((_scalar(k), _node(v)) for k, v in value.items())
        if _one_line(value):
            node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        sequence = CommentedSeq(_node(item) for item in value)
        if value and not any(isinstance(item, (dict, list)) for item in value) and _one_line(value):
            sequence.fa.set_flow_style()  # [a, b, c]; a list of records keeps one record per line
        return sequence
    return _scalar(value)


def _one_line(value: dict[str, Any] | list[Any]) -> bool:
    text = jsonio.dumps(value)
    return len(text) <= FLOW_STYLE_WIDTH and "\\n" not in text and "\\r" not in text


def _scalar(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if "\n" in value and "\r" not in value and as_text(value.encode()) is not None:
        return LiteralScalarString(value)
    if _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR_TAG:
        return SingleQuotedScalarString(value)  # PyYAML would read it as something else (Yes, 12:30, 1e3)
    return value
