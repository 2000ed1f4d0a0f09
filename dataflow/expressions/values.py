"""What JEXL's operators do to values: truthiness, equality, ordering, arithmetic, text. Called per record.

These follow Apache's ``JexlArithmetic`` in its lenient mode where that is reasonable for records whose
values are mostly strings (CSV) or JSON:

- truth: null, ``false``, ``0``, NaN, ``''`` and the string ``'false'`` are false; anything else is true
  (an empty list or map too, as in Java);
- ``==``: null equals only null; a boolean against a string compares with ``'true'``/``'false'``; when one
  side is a number the other is read as a number if it can be (``'18' == 18``; surrounding spaces are
  ignored), else both as text, so ``0 == ''`` is false (Apache reads ``''`` as 0 there; a handicap of 0 is
  not "empty");
- ``< <= > >=``: numbers if either side is a number and both read as numbers, else text; two strings
  compare as text (``'10' < '9'``, as in JEXL); a null operand makes the comparison false;
- ``+``: text concatenation when either side is a string (null reads as ``''``), else numeric addition;
- ``- * / %`` and ``+`` on non-strings: null and ``''`` read as 0, booleans as 1/0, numeric strings as numbers;
  integers stay integers (``7 / 2`` is ``3``, Java's truncating division); dividing by zero fails the record.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from dataflow import jsonio
from dataflow.errors import RecordError

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NUMBERS = (int, float)
MAX_TEXT = 16 * 1024 * 1024
"""Characters a computed text may have: far above any record value, far below a memory bomb (a field replaced
by itself, ``s.replace('a', s)``, is quadratic)."""


def check_text_length(length: int, what: str) -> None:
    """Refuse a text result longer than ``MAX_TEXT``, before it is built."""
    if length > MAX_TEXT:
        raise RecordError(f"{what} would make a text of up to {length:,} characters; the limit is {MAX_TEXT:,}")


def truthy(value: Any) -> bool:
    if value is True:
        return True
    if value is False or value is None:
        return False
    kind = type(value)
    if kind is str:
        return value != "" and value != "false"
    if kind is int or kind is float:
        return value != 0 and value == value  # NaN is false
    return True


def describe(value: Any) -> str:
    """A value as a message shows it: ``the string 'abc'``, ``a list``."""
    if value is None:
        return "null"
    if type(value) is bool:
        return "the boolean " + to_string(value)
    if type(value) is str:
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, _NUMBERS):
        return "the number " + to_string(value)
    return {list: "a list", dict: "a map"}.get(type(value), f"a {type(value).__name__}")


def to_string(value: Any) -> str:
    """Java's ``toString`` for the values a record holds; null is ``''`` (how JEXL concatenates it)."""
    kind = type(value)
    if kind is str:
        return value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return _java_double(value)
    return jsonio.dumps(value)


def _java_double(value: float) -> str:
    """``Double.toString``: ``3.0``, ``0.001``, ``1.0E7``, ``1.5E-4``, ``NaN``, ``Infinity``."""
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    power = len(digits) - 1 + exponent
    text = "".join(map(str, digits)).rstrip("0") or "0"
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{power}"


def as_number(value: Any) -> int | float | None:
    """The value read as a number, or None when it is not one (null included)."""
    kind = type(value)
    if kind is int or kind is float:
        return value
    if kind is bool:
        return int(value)
    if kind is str:
        text = value.strip()
        if _INTEGER.fullmatch(text):
            return int(text)
        if _DECIMAL.fullmatch(text):
            return float(text)
    return None


def equals(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is right
    left_type, right_type = type(left), type(right)
    if left_type is bool or right_type is bool:
        if left_type is right_type:
            return left == right
        flag, other = (left, right) if left_type is bool else (right, left)
        if type(other) is str:
            return other == ("true" if flag else "false")
        return isinstance(other, _NUMBERS) and other == int(flag)
    if left_type in _NUMBERS or right_type in _NUMBERS:
        x, y = as_number(left), as_number(right)
        if x is not None and y is not None:
            return x == y
        return (left_type is str or right_type is str) and to_string(left) == to_string(right)
    return bool(left == right)


def compare(left: Any, right: Any, symbol: str) -> int | None:
    """-1, 0 or 1; None when an operand is null or NaN (the comparison is then false)."""
    if left is None or right is None:
        return None
    left_type, right_type = type(left), type(right)
    if left_type is str and right_type is str:
        return (left > right) - (left < right)
    if left_type in _NUMBERS or right_type in _NUMBERS or left_type is bool or right_type is bool:
        x, y = as_number(left), as_number(right)
        if x is not None and y is not None:
            if x != x or y != y:
                return None
            return (x > y) - (x < y)
    if left_type is str or right_type is str:
        x_text, y_text = to_string(left), to_string(right)
        return (x_text > y_text) - (x_text < y_text)
    raise RecordError(f"cannot compare {describe(left)} {symbol} {describe(right)}")


def less(left: Any, right: Any) -> bool:
    order = compare(left, right, "<")
    return order is not None and order < 0


def less_or_equal(left: Any, right: Any) -> bool:
    order = compare(left, right, "<=")
    return order is not None and order <= 0


def greater(left: Any, right: Any) -> bool:
    order = compare(left, right, ">")
    return order is not None and order > 0


def greater_or_equal(left: Any, right: Any) -> bool:
    order = compare(left, right, ">=")
    return order is not None and order >= 0


def operand(value: Any, symbol: str) -> int | float:
    """A number for arithmetic: null is 0 and booleans 1/0 (JEXL's lenient arithmetic)."""
    kind = type(value)
    if kind is int or kind is float:
        return value
    if value is None or (kind is str and not value.strip()):
        return 0
    number = as_number(value)
    if number is None:
        raise RecordError(f"'{symbol}' needs numbers, not {describe(value)}")
    return number


def add(left: Any, right: Any) -> Any:
    left_type, right_type = type(left), type(right)
    if left_type is str or right_type is str:
        left_text, right_text = to_string(left), to_string(right)
        check_text_length(len(left_text) + len(right_text), "'+'")
        return left_text + right_text
    if left_type is int and right_type is int:
        return left + right
    return operand(left, "+") + operand(right, "+")


def subtract(left: Any, right: Any) -> int | float:
    return operand(left, "-") - operand(right, "-")


def multiply(left: Any, right: Any) -> int | float:
    return operand(left, "*") * operand(right, "*")


def divide(left: Any, right: Any) -> int | float:
    x, y = operand(left, "/"), operand(right, "/")
    if y == 0:
        raise RecordError(f"division by zero ({to_string(x)} / {to_string(y)})")
    if type(x) is int and type(y) is int:
        quotient = abs(x) // abs(y)  # Java truncates towards zero
        return quotient if (x < 0) == (y < 0) else -quotient
    return x / y


def modulo(left: Any, right: Any) -> int | float:
    x, y = operand(left, "%"), operand(right, "%")
    if y == 0:
        raise RecordError(f"division by zero ({to_string(x)} % {to_string(y)})")
    if type(x) is int and type(y) is int:
        remainder = abs(x) % abs(y)  # Java: the sign of the dividend
        return remainder if x >= 0 else -remainder
    return math.fmod(x, y)


def negate(value: Any) -> Any:
    if type(value) is bool:
        return not value  # JEXL negates a boolean
    return -operand(value, "-")


def positive(value: Any) -> Any:
    return value if type(value) is bool else operand(value, "+")
