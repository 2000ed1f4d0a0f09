"""Binary operators compiled to closures, with the shapes real flows use specialised.

``field eq 'text'`` (every IdentitySync template) reads the field and compares two strings inline, falling
back to the general ``==`` only when the field is not a string. ``x =~ 'regex'`` compiles the regex once;
``x =~ ['a', 'b']`` tests membership in a frozen set when the value is a string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.expressions import matching, nodes, values
from dataflow.expressions.code import Code, Run, checked_regex, constant, folded

_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": values.add,
    "-": values.subtract,
    "*": values.multiply,
    "/": values.divide,
    "%": values.modulo,
}
_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "<": values.less,
    "<=": values.less_or_equal,
    ">": values.greater,
    ">=": values.greater_or_equal,
    "=^": matching.starts_with,
    "=$": matching.ends_with,
    "=~": matching.matches,
    "==": values.equals,
}
_NEGATED = {"!=": "==", "!~": "=~", "!^": "=^", "!$": "=$"}


def compile_binary(node: nodes.Binary, left: Code, right: Code) -> Code:
    operator = node.operator
    if operator in _ARITHMETIC:
        return _arithmetic(_ARITHMETIC[operator], left, right)
    positive = _NEGATED.get(operator, operator)
    result = folded(_TESTS[positive], left, right)
    if result is None:
        if positive == "==":
            result = _equality(left, right)
        elif positive == "=~":
            result = _match(node, left, right)
        else:
            test, left_run, right_run = _TESTS[positive], left.run, right.run
            result = Code(lambda record: test(left_run(record), right_run(record)), boolean=True)
    if operator == positive:
        return result
    if result.constant:
        return constant(not result.value)
    run = result.run
    return Code(lambda record: not run(record), boolean=True)


def _arithmetic(function: Callable[[Any, Any], Any], left: Code, right: Code) -> Code:
    result = folded(function, left, right)
    if result is not None:
        return result
    left_run, right_run = left.run, right.run
    return Code(lambda record: function(left_run(record), right_run(record)))


def _equality(left: Code, right: Code) -> Code:
    if left.constant and not right.constant:
        left, right = right, left
    if not right.constant:
        left_run, right_run, equals = left.run, right.run, values.equals
        return Code(lambda record: equals(left_run(record), right_run(record)), boolean=True)
    expected, key, get = right.value, left.plain_key, left.run
    if expected is None:
        if key is not None:
            return Code(lambda record: record.get(key) is None, boolean=True)
        return Code(lambda record: get(record) is None, boolean=True)
    if type(expected) is str:
        return Code(_equals_text(expected, key, get), boolean=True)
    equals = values.equals
    return Code(lambda record: equals(get(record), expected), boolean=True)


def _equals_text(expected: str, key: str | None, get: Run) -> Run:
    """``field eq 'text'``: a string field compares directly; anything else goes through ``values.equals``."""
    equals = values.equals
    if key is not None:

        def equals_plain_field(record: dict) -> bool:
            value = record.get(key)
            if type(value) is str:
                return value == expected
            return equals(value, expected)

        return equals_plain_field

    def equals_value(record: dict) -> bool:
        value = get(record)
        if type(value) is str:
            return value == expected
        return equals(value, expected)

    return equals_value


def _match(node: nodes.Binary, left: Code, right: Code) -> Code:
    left_run = left.run
    if right.constant and type(right.value) is str:
        pattern = checked_regex(right.value, node.right.offset)
        fullmatch, to_string = pattern.fullmatch, values.to_string
        return Code(
            lambda record: (value := left_run(record)) is not None and fullmatch(to_string(value)) is not None,
            boolean=True,
        )
    if right.items is not None:
        items = right.items
        if items and all(type(item) is str for item in items):
            texts, equals = frozenset(items), values.equals

            def in_texts(record: dict) -> bool:
                value = left_run(record)
                if type(value) is str:
                    return value in texts
                return value is not None and any(equals(value, item) for item in items)

            return Code(in_texts, boolean=True)
        fixed, matches = list(items), matching.matches
        return Code(lambda record: matches(left_run(record), fixed), boolean=True)
    right_run, matches = right.run, matching.matches
    return Code(lambda record: matches(left_run(record), right_run(record)), boolean=True)
