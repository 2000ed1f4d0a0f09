"""``field.evaluate``: set fields to the results of JEXL expressions, compiled once per job.

Expressions run in the order listed, so a later one sees the fields earlier ones wrote. A record on which an
expression fails (a method on the wrong type, a division by zero…) goes down the error path as it arrived:
fields this step already wrote to it are put back first (an empty object created on the way to a nested
target may remain). ``fields`` is a raw param: ``${...}`` placeholders
are not rendered inside expressions (they are code, and a rendered value holding a quote would change their
meaning), so ``'${jobId}'`` in an expression is that literal text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, NamedTuple

from dataflow.component import ParamProblem, Record, RecordStep
from dataflow.errors import RecordError
from dataflow.expressions import ExpressionError, compile_expression
from dataflow.fieldpath import MISSING, compile_getter, compile_popper, compile_setter, parse
from dataflow.runtime.context import StepContext


class _Assignment(NamedTuple):
    evaluate: Callable[[dict], Any]
    key: str | None  # the target when it is one top-level key: written with record[key] = value
    put: Callable[[dict, Any], None]
    get: Callable[[dict], Any]  # the target's current value (MISSING when absent), to put it back
    pop: Callable[[dict], Any]
    field: str
    expression: str


class Evaluate(RecordStep):
    """Write each ``field`` with the value of its ``expression`` (Apache Commons JEXL)."""

    type: ClassVar[str] = "field.evaluate"
    raw_params: ClassVar[frozenset[str]] = frozenset({"fields"})

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        for index, item in enumerate(params["fields"]):
            try:
                compile_expression(item["expression"])
            except ExpressionError as error:
                yield ParamProblem(("fields", index, "expression"), f"invalid JEXL: {error.message}", error.offset)

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._assignments = [_assignment(item["field"], item["expression"]) for item in params["fields"]]

    def process_batch(self, items: list[Record]) -> list[Record]:
        failed = self._single(items) if len(self._assignments) == 1 else self._several(items)
        if not failed:
            return items
        return [record for record in items if id(record) not in failed]

    def _single(self, items: list[Record]) -> set[int]:
        """One expression (every public template): a failure has written nothing, so nothing to put back."""
        evaluate, key, put = self._assignments[0][:3]
        failed: set[int] = set()
        if key is not None:
            for record in items:
                try:
                    record[key] = evaluate(record)
                except RecordError as failure:
                    self._fail(record, 0, failure, failed)
        else:
            for record in items:
                try:
                    put(record, evaluate(record))
                except RecordError as failure:
                    self._fail(record, 0, failure, failed)
        return failed

    def _several(self, items: list[Record]) -> set[int]:
        assignments = self._assignments
        failed: set[int] = set()
        saved: list[Any] = []  # values overwritten so far in the current record, in order
        for record in items:
            saved.clear()
            try:
                for evaluate, key, put, get, *_ in assignments:
                    value = evaluate(record)
                    if key is not None:
                        previous = record.get(key, MISSING)
                        record[key] = value
                    else:
                        previous = get(record)
                        put(record, value)
                    saved.append(previous)
            except RecordError as failure:
                self._put_back(record, saved)
                self._fail(record, len(saved), failure, failed)
        return failed

    def _put_back(self, record: Record, saved: list[Any]) -> None:
        for assignment, previous in reversed(list(zip(self._assignments, saved, strict=False))):
            if previous is MISSING:
                assignment.pop(record)
            else:
                assignment.put(record, previous)

    def _fail(self, record: Record, index: int, failure: RecordError, failed: set[int]) -> None:
        assignment = self._assignments[index]
        details = {**failure.details, "field": assignment.field, "expression": assignment.expression}
        self.reject(record, f"cannot evaluate '{assignment.field}': {failure.message}", **details)
        failed.add(id(record))


def _assignment(field: str, expression: str) -> _Assignment:
    path = parse(field)
    return _Assignment(
        evaluate=compile_expression(expression).evaluate,
        key=path.key if path.is_simple else None,
        put=compile_setter(field),
        get=compile_getter(field),
        pop=compile_popper(field),
        field=field,
        expression=expression,
    )
