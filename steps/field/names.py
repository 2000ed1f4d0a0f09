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
        pairs = [(parse(item["sourceField"]), parse(item["targetField"])) for item in params["fields"]]
        self._simple = all(source.is_simple and target.is_simple for source, target in pairs)
        self._keys = [(source.key, target.key) for source, target in pairs]
        # (literal source key, popper for the nested reading, target key if plain, setter)
        self._moves = [
            (
                source.key,
                compile_popper(source.text),
                target.key if target.is_simple else None,
                compile_setter(target.text),
            )
            for source, target in pairs
        ]

    def process_batch(self, items: list[Record]) -> list[Record]:
        if self._simple:
            keys = self._keys
            for record in items:
                for source, target in keys:
                    if source in record:
                        record[target] = record.pop(source)
            return items
        output = []
        append = output.append
        moves = self._moves
        for record in items:
            try:
                for source, pop, plain_target, put in moves:
                    # a literal key (CSV header) first: the same answer pop() gives, without the call
                    value = record.pop(source) if source in record else pop(record)
                    if value is MISSING:
                        continue
                    if plain_target is not None:
                        record[plain_target] = value
                    else:
                        put(record, value)
            except RecordError as failure:
                self.reject(record, failure.message, **failure.details)
                continue
            append(record)
        return output


class Remove(RecordStep):
    """Delete the listed fields or whole subtrees (``profile``); absent fields are ignored."""

    type: ClassVar[str] = "field.remove"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        paths = [parse(text) for text in params["fields"]]
        self._simple_keys = [p.key for p in paths if p.is_simple]
        self._nested = [(p.key, compile_popper(p.text)) for p in paths if not p.is_simple]

    def process_batch(self, items: list[Record]) -> list[Record]:
        keys, nested = self._simple_keys, self._nested
        for record in items:
            for key in keys:
                if key in record:
                    del record[key]
            for key, pop in nested:
                if key in record:  # a literal dotted key (CSV header): the same answer pop() gives
                    del record[key]
                else:
                    pop(record)
        return items
