"""Rows for a relational table: the ``fieldMapping`` of the writer, the email rule, and the on-disk spill.

The mapping lives in the writer's own params (not in an upstream ``field.rename``) so that a mapping into a
column named ``email`` is caught when the flow is validated: Silverpop relational tables reserve that field
and cannot import it. Records are spilled to a JSON-lines file as they arrive, because the writer chooses
between the API and a bulk import only once it knows how many rows there are, and because rejected rows go
down the error path as the flow sent them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from dataflow import jsonio
from dataflow.component import ParamProblem, Record
from dataflow.fieldpath import MISSING, compile_getter
from steps.silverpop.values import Converter, cell, converter, one_line

RESERVED_TABLE_FIELDS = frozenset({"email"})
RESERVED_REASON = (
    "Silverpop relational tables reserve a field named email, which cannot be imported into a relational table; "
    "map the address to another column name (e.g. EmailAddress) or leave it out"
)


def is_reserved(name: str) -> bool:
    return name.strip().lower() in RESERVED_TABLE_FIELDS


def check_mapping(mapping: Any) -> Iterable[ParamProblem]:
    if not isinstance(mapping, list):
        return
    seen: dict[str, int] = {}
    for index, item in enumerate(mapping):
        if not isinstance(item, dict):
            continue
        target = item.get("targetField")
        if not isinstance(target, str):
            continue
        if is_reserved(target):
            yield ParamProblem(("fieldMapping", index, "targetField"), f"column '{target}': {RESERVED_REASON}")
        if target in seen:
            yield ParamProblem(
                ("fieldMapping", index, "targetField"),
                f"column '{target}' is already mapped by fieldMapping[{seen[target]}]",
            )
        seen.setdefault(target, index)


class RowMapper:
    """Record -> ``{column: text}`` in mapping order; values converted by the table's column types (GMT dates)."""

    def __init__(self, mapping: list[dict[str, str]]) -> None:
        self.columns = [item["targetField"] for item in mapping]
        self._getters = [compile_getter(item["sourceField"]) for item in mapping]
        self._converters: list[Converter | None] = [None] * len(self.columns)

    def use_types(self, types: dict[str, str]) -> None:
        self._converters = [converter(types[name]) if name in types else None for name in self.columns]

    def row(self, record: Record) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, get, convert in zip(self.columns, self._getters, self._converters, strict=True):
            value = get(record)
            text = "" if value is MISSING else one_line(cell(value))
            if convert is not None and text:
                text = convert(text)
            out[name] = text
        return out


class Spill:
    """Records in arrival order on disk; ``read`` streams them back with their 0-based index."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[bytes] | None = None

    def write(self, records: list[Record]) -> None:
        if self._handle is None:
            self._handle = open(self.path, "wb")  # noqa: SIM115 - closed in close()/read()
        self._handle.write(b"".join(jsonio.dumpb(record) + b"\n" for record in records))
        self.count += len(records)

    def read(self) -> Iterator[tuple[int, Record]]:
        self.close()
        if not self.count:
            return
        with open(self.path, "rb") as handle:
            for index, line in enumerate(handle):
                yield index, jsonio.loads(line)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
