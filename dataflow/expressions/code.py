"""What a compiled node is, and the helpers every node compiler shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflow.errors import RecordError
from dataflow.expressions import matching, values
from dataflow.expressions.errors import ExpressionError
from dataflow.javaregex import JavaRegexError, Pattern

Run = Callable[[dict], Any]


@dataclass(frozen=True, slots=True)
class Code:
    """A compiled node: ``run(record)``, plus what its parent may exploit to specialise."""

    run: Run
    constant: bool = False
    value: Any = None  # when constant
    boolean: bool = False  # run always returns True or False
    plain_key: str | None = None  # run(record) is record.get(plain_key)
    items: tuple[Any, ...] | None = None  # an array literal of constants (never handed out: lists are mutable)


def constant(value: Any) -> Code:
    return Code(lambda record: value, constant=True, value=value, boolean=type(value) is bool)


def condition(code: Code) -> Run:
    """A function returning the node's truth as a Python bool (no extra call when it is already boolean)."""
    if code.boolean:
        return code.run
    run, truthy = code.run, values.truthy
    return lambda record: truthy(run(record))


def folded(operation: Callable[..., Any], *operands: Code) -> Code | None:
    """The constant result of ``operation`` when every operand is constant and it succeeds; else None."""
    if not all(operand.constant for operand in operands):
        return None
    try:
        return constant(operation(*(operand.value for operand in operands)))
    except RecordError:
        return None  # it fails only if evaluated: leave that to the record that reaches it


def checked_regex(pattern: str, offset: int) -> Pattern:
    """A literal regex compiled now, so that a bad one is a compile-time error pointing at it."""
    try:
        return matching.java_regex(pattern)
    except JavaRegexError as error:
        raise ExpressionError(f"invalid regex {pattern!r}: {error.message}", offset) from None
