"""``field.*``: record-in, record-out transforms on named fields.

Paths are compiled once per job (``dataflow.fieldpath``); the per-record loops below only call the compiled
accessors, with a fast path for plain top-level keys, which is what CSV-shaped flows mostly use.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dataflow.component import Record, RecordStep
from dataflow.errors import RecordError
from dataflow.fieldpath import MISSING, compile_popper, compile_setter, parse
from dataflow.runtime.context import StepContext


class Rename(RecordStep):
    """Move each ``sourceField`` to its ``targetField``; a dotted target creates nesting, a quoted one a literal key."""

    type: ClassVar[str] = "field.rename"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        pairs = [(item["sourceField"], item["targetField"]) for item in params["fields"]]
        self._simple = all(parse(s).is_simple and parse(t).is_simple for s, t in pairs)
        self._keys = [(parse(s).key, parse(t).key) for s, t in pairs]
        self._moves = [(compile_popper(s), compile_setter(t)) for s, t in pairs]

    def process_batch(self, items: list[Record]) -> list[Record]:
        if self._simple:
            keys = self._keys
            for record in items:
                for source, target in keys:
                    if source in record:
                        record[target] = record.pop(source)
            return items
        output = []
        for record in items:
            try:
                self._rename(record)
            except RecordError as failure:
                self.reject(record, failure.message, **failure.details)
                continue
            output.append(record)
        return output

    def _rename(self, record: Record) -> None:
        for pop, put in self._moves:
            value = pop(record)
            if value is not MISSING:
                put(record, value)


class Remove(RecordStep):
    """Delete the listed fields or whole subtrees (``profile``); absent fields are ignored."""

    type: ClassVar[str] = "field.remove"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        paths = [parse(text) for text in params["fields"]]
        self._simple_keys = [p.key for p in paths if p.is_simple]
        self._nested = [compile_popper(p.text) for p in paths if not p.is_simple]

    def process_batch(self, items: list[Record]) -> list[Record]:
        keys, nested = self._simple_keys, self._nested
        for record in items:
            for key in keys:
                if key in record:
                    del record[key]
            for pop in nested:
                pop(record)
        return items
