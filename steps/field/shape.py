"""``field.select``, ``field.copy``, ``field.move``, ``field.add``, ``field.flatten``: the shape of a record.

These decide which fields a record carries and in which order, which is what a DSV file's columns and a
destination's payload are made of. Paths are compiled once per job (``dataflow.fieldpath``): a literal dotted
key (a CSV header such as ``profile.email``) wins over the nested reading, and ``'a.b'`` is always one key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from dataflow import jsonio
from dataflow.component import Record, RecordStep
from dataflow.fieldpath import MISSING, FieldPath, clone, compile_getter, compile_popper, compile_setter, parse
from dataflow.runtime.context import StepContext

Projection = Callable[[Record], Record]


def _copy_path(source: Record, target: Record, path: FieldPath) -> None:
    """Copy one path into ``target`` keeping the shape it has in ``source`` (literal keys stay literal)."""
    parts, suffixes = path.parts, path.suffixes
    node: Any = source
    for depth in range(len(parts)):  # find the value first, so a missing leaf leaves no empty parent behind
        if not isinstance(node, dict):
            return
        if suffixes[depth] in node:
            break
        node = node.get(parts[depth], MISSING)
    else:
        return
    for part in parts[:depth]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    target[suffixes[depth]] = node[suffixes[depth]]


def compile_projection(texts: list[str]) -> Projection:
    """``record -> new record`` holding only ``texts``, in that order; absent paths are left out.

    Values are not copied: the caller owns the source record and discards it (or clones what it shares).
    """
    paths = [parse(text) for text in texts]
    if all(path.is_simple for path in paths):
        keys = tuple(dict.fromkeys(path.key for path in paths))
        return lambda record: {key: record[key] for key in keys if key in record}
    plan = tuple((path.key, path) for path in paths)

    def project(record: Record) -> Record:
        out: Record = {}
        for key, path in plan:
            if key in record:  # a plain key, or a literal dotted one (CSV header)
                out[key] = record[key]
            elif not path.is_simple:
                _copy_path(record, out, path)
        return out

    return project


class Select(RecordStep):
    """Keep only the listed paths, in the listed order (the order of a DSV file's columns); nesting is kept."""

    type: ClassVar[str] = "field.select"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._project = compile_projection(params["fields"])

    def process_batch(self, items: list[Record]) -> list[Record]:
        project = self._project
        return [project(record) for record in items]


class Copy(RecordStep):
    """Copy each ``sourceField`` to its ``targetField`` (a deep copy, so later steps may change either)."""

    type: ClassVar[str] = "field.copy"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._copies = [
            (compile_getter(item["sourceField"]), compile_setter(item["targetField"])) for item in params["fields"]
        ]

    def process(self, record: Record) -> Record:
        for get, put in self._copies:
            value = get(record)
            if value is not MISSING:
                put(record, clone(value))
        return record


class Move(RecordStep):
    """Reorder top-level fields (DSV columns): the listed fields go right after ``after``, or first.

    Names are top-level keys taken literally (``profile.email`` is the CSV column of that name). Listed fields a
    record lacks are skipped; a record without the ``after`` field gets the listed fields first.
    """

    type: ClassVar[str] = "field.move"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        after = parse(params["after"]).key if params.get("after") else None
        self._after = after
        self._moved = tuple(dict.fromkeys(key for key in (parse(t).key for t in params["fields"]) if key != after))
        self._moved_set = frozenset(self._moved)

    def process(self, record: Record) -> Record:
        moved, moved_set, after = self._moved, self._moved_set, self._after
        out: Record = {}
        if after is None or after not in record:
            for key in moved:
                if key in record:
                    out[key] = record[key]
            out.update(record)  # moved keys are in already and keep their new place
            return out
        for key, value in record.items():
            if key in moved_set:
                continue
            out[key] = value
            if key == after:
                for moved_key in moved:
                    if moved_key in record:
                        out[moved_key] = record[moved_key]
        return out


class Add(RecordStep):
    """Set each ``field`` to a constant JSON ``value`` (placeholders such as ``${jobId}`` rendered once per job)."""

    type: ClassVar[str] = "field.add"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._adds = [
            (compile_setter(item["field"]), item["value"], isinstance(item["value"], dict | list))
            for item in params["fields"]
        ]

    def process(self, record: Record) -> Record:
        for put, value, shared in self._adds:
            put(record, clone(value) if shared else value)  # each record gets its own object or array
        return record


class Flatten(RecordStep):
    """Turn the listed objects into top-level keys joined by ``separator`` (``profile.address.city``).

    A top-level object is replaced in place, so column order is kept; a nested path's leaves go to the end.
    Arrays become JSON text (``arrays: json``), index keys (``index``: ``phones.0.number``) or stay (``keep``).
    An empty object leaves no key. A flattened key overwrites a field of the same name.
    """

    type: ClassVar[str] = "field.flatten"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._separator = params["separator"]
        self._arrays = params["arrays"]
        paths = [parse(text) for text in params["fields"]]
        self._top = frozenset(path.key for path in paths)  # dotted ones too: a literal dotted key flattens in place
        self._nested = [
            (path.key, self._separator.join(path.parts), compile_getter(path.text), compile_popper(path.text))
            for path in paths
            if not path.is_simple
        ]

    def _into(self, out: Record, prefix: str, value: Any) -> None:
        separator = self._separator
        if type(value) is dict:
            for key, item in value.items():
                self._into(out, f"{prefix}{separator}{key}", item)
        elif type(value) is list and self._arrays != "keep":
            if self._arrays == "json":
                out[prefix] = jsonio.dumps(value)
            else:
                for index, item in enumerate(value):
                    self._into(out, f"{prefix}{separator}{index}", item)
        else:
            out[prefix] = value

    def _flatten_object(self, out: Record, prefix: str, value: Record) -> None:
        for key, item in value.items():
            self._into(out, f"{prefix}{self._separator}{key}", item)

    def process(self, record: Record) -> Record:
        top, original = self._top, record
        if any(type(record.get(key)) is dict for key in top):
            out: Record = {}
            for key, value in record.items():
                if key in top and type(value) is dict:
                    self._flatten_object(out, key, value)
                elif key not in out:  # a key flattened earlier in the record wins
                    out[key] = value
            record = out
        for literal, prefix, get, pop in self._nested:
            if literal in original:  # a literal dotted key is a top-level field: flattened in place above
                continue
            value = get(record)
            if type(value) is dict:
                pop(record)
                self._flatten_object(record, prefix, value)
        return record
