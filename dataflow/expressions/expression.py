"""``compile_expression(text)``: parse and compile once per job; ``Expression.evaluate(record)`` per record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.errors import RecordError
from dataflow.expressions.compiler import compile_node
from dataflow.expressions.errors import ExpressionError
from dataflow.expressions.parser import parse


class Expression:
    """A compiled JEXL expression. ``evaluate`` is the compiled closure itself, wrapped once so that no
    Python error can escape: every failure while evaluating a record is a ``RecordError`` with a reason.
    """

    __slots__ = ("evaluate", "text")

    def __init__(self, text: str, run: Callable[[dict], Any]) -> None:
        self.text = text
        self.evaluate: Callable[[dict], Any] = _guarded(text, run)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def compile_expression(text: str) -> Expression:
    """Raises ``ExpressionError(message, offset)`` for a syntax error or unsupported syntax."""
    try:
        code = compile_node(parse(text))
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply", 0) from None
    return Expression(text, code.run)


def _guarded(text: str, run: Callable[[dict], Any]) -> Callable[[dict], Any]:
    def evaluate(record: dict) -> Any:
        try:
            return run(record)
        except RecordError:
            raise
        except RecursionError:
            raise RecordError("a value is nested too deeply to evaluate", expression=text) from None
        except Exception as error:  # a value no operator anticipated: this record's problem, not the job's
            raise RecordError(f"cannot evaluate: {type(error).__name__}: {error}", expression=text) from None

    return evaluate
