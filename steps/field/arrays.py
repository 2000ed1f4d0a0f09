"""``field.array.join`` and ``field.array.extract``: arrays made flat, as a string or as records.

Destinations such as DSV files and marketing lists take one value per column and one row per thing, while
Gigya accounts hold arrays (achievements, phones, subscriptions). ``join`` turns an array into one string;
``extract`` turns it into rows, the one-to-many step of IdentitySync.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, ClassVar

from dataflow import jsonio
from dataflow.component import Record, RecordStep
from dataflow.errors import RecordError
from dataflow.fieldpath import MISSING, clone, compile_getter, compile_setter, parse
from dataflow.runtime.context import StepContext
from steps.field.shape import compile_projection


def as_text(value: Any) -> str:
    """A value as it reads in a joined string or a key: JSON spelling for booleans, objects and arrays."""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is dict or kind is list:
        return jsonio.dumps(value)
    return str(value)


class ArrayJoin(RecordStep):
    """Join an array's elements into one string (``a,b,c``); nulls are skipped.

    With ``path``, each element (an object) gives the value at that path (``phones`` → ``number``). The result
    replaces the array, or goes to ``targetField`` leaving the array in place. A value that is not an array is
    left as it is.
    """

    type: ClassVar[str] = "field.array.join"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        field = params["field"]
        self._key = parse(field).key
        self._get = compile_getter(field)
        self._put = compile_setter(params.get("targetField") or field)
        self._separator = params["separator"]
        self._element = compile_getter(params["path"]) if params.get("path") else None

    def process(self, record: Record) -> Record:
        key = self._key
        values = record[key] if key in record else self._get(record)
        if type(values) is not list:
            return record
        element = self._element
        if element is not None:
            values = [element(item) if type(item) is dict else None for item in values]
        self._put(record, self._separator.join([as_text(v) for v in values if v is not None and v is not MISSING]))
        return record


class ArrayExtract(RecordStep):
    """One record per element of ``field``: an object element's fields, or a scalar under the field's path.

    Each record also gets copies of ``propagationFields`` (which win over an element's field of the same name)
    and, with ``generateKey``, a key in ``keyField`` (``_key``): the propagation values and the element's index
    joined by ``_`` (``u1_0``), or, without propagation fields, a stable hash of the source record and the
    index. Null elements are skipped (the index still counts them). A lone object or scalar counts as a
    one-element array; a missing, null, empty (or ``""``) array emits nothing and the record counts as filtered.
    """

    type: ClassVar[str] = "field.array.extract"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        field = params["field"]
        self._field = field
        self._key = parse(field).key
        self._get = compile_getter(field)
        self._put = compile_setter(field)
        self._propagated = params["propagationFields"]
        self._project = compile_projection(self._propagated)
        self._propagation_getters = [compile_getter(text) for text in self._propagated]
        self._key_field = params["keyField"] if params["generateKey"] else None

    def _key_prefix(self, record: Record) -> str:
        if self._propagation_getters:
            values = (get(record) for get in self._propagation_getters)
            return "_".join("" if v is MISSING or v is None else as_text(v) for v in values)
        return hashlib.blake2b(jsonio.dumpb(record), digest_size=8).hexdigest()

    def process(self, record: Record) -> list[Record]:
        key = self._key
        values = record[key] if key in record else self._get(record)
        if values is MISSING or values is None or values == [] or values == "":  # "": an empty CSV cell
            return []
        if type(values) is not list:
            values = [values]
        key_field = self._key_field
        prefix = self._key_prefix(record) if key_field is not None else ""
        propagated = self._project(record)
        emitted = []
        for index, element in enumerate(values):
            if element is None:
                continue
            out: Record = {key_field: f"{prefix}_{index}"} if key_field is not None else {}
            out.update(clone(propagated))
            if type(element) is dict:
                for name, value in element.items():
                    if name not in out:
                        out[name] = value
            else:
                self._put(out, element)
            emitted.append(out)
        return emitted

    def feed(self, batch: list) -> Iterator[list]:
        """Counted per record, so a job's status tells rows added from records that had nothing to extract."""
        output: list[Record] = []
        process = self.process
        filtered = added = rejected = 0
        for record in batch:
            try:
                emitted = process(record)
            except RecordError as failure:
                self.reject(record, failure.message, **failure.details)
                rejected += 1
                continue
            if emitted:
                added += len(emitted) - 1
                output.extend(emitted)
            else:
                filtered += 1
        counters = self.counters
        counters.in_ += len(batch)
        counters.out += len(output)
        counters.errors += rejected
        counters.filtered += filtered
        counters.added += added
        if output:
            yield output
