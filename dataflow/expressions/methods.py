"""The methods an expression may call: a whitelist, never reflection into Python attributes.

Each entry names the Java method it stands for and behaves like it (``substring`` fails outside the string,
``split`` takes a regex and drops trailing empty strings, ``trim`` strips control characters and spaces).
A method called on null gives null (null-safe navigation, like ``?.``). A method the receiver's type lacks
(``n.toUpperCase()`` on a number) fails the record. An unknown name or a wrong number of arguments is a
compile-time error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.errors import RecordError
from dataflow.expressions.access import index_of
from dataflow.expressions.matching import cached_regex, replace_matches
from dataflow.expressions.values import check_text_length, describe, to_string

Method = Callable[..., Any]
_CONTROL_AND_SPACE = "".join(chr(code) for code in range(33))


def _text(value: Any, method: str) -> str:
    if value is None or isinstance(value, (list, dict)):
        raise RecordError(f"{method}() needs a text argument, not {describe(value)}")
    return to_string(value)


def _integer(value: Any, method: str) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise RecordError(f"{method}() needs an integer argument, not {describe(value)}")


def _substring(text: str, begin: Any, end: Any = None) -> str:
    start = _integer(begin, "substring")
    stop = len(text) if end is None else _integer(end, "substring")
    if not 0 <= start <= stop <= len(text):
        shown = f"{start}" if end is None else f"{start}, {stop}"
        raise RecordError(f"substring({shown}) is out of range for a string of length {len(text)}")
    return text[start:stop]


def _split(text: str, regex: Any, limit: Any = 0) -> list[str]:
    """Java's ``String.split``: separators are not kept, no match gives the whole string, a zero-width match
    at the start gives no leading empty string, and limit 0 drops trailing empty strings."""
    pattern = cached_regex(_text(regex, "split"))
    count = _integer(limit, "split")
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        if 0 < count <= len(parts) + 1:
            break
        start, end = match.span()
        if end == 0:
            continue
        parts.append(text[position:start])
        position = end
    if not parts:
        return [text]
    parts.append(text[position:])
    if count == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def _replace(text: str, old: str, new: str) -> str:
    occurrences = text.count(old) if old else len(text) + 1
    check_text_length(len(text) + occurrences * (len(new) - len(old)), "replace()")
    return text.replace(old, new)


def _concat(text: str, more: str) -> str:
    check_text_length(len(text) + len(more), "concat()")
    return text + more


def _char_at(text: str, index: Any) -> str:
    position = _integer(index, "charAt")
    if not 0 <= position < len(text):
        raise RecordError(f"charAt({position}) is out of range for a string of length {len(text)}")
    return text[position]


def _index_of(text: str, needle: Any, start: Any = 0) -> int:
    return text.find(_text(needle, "indexOf"), max(0, _integer(start, "indexOf")))


def _same_value(left: Any, right: Any) -> bool:
    """Java's ``Object.equals``: no coercion between text, numbers and booleans."""
    if type(left) is bool or type(right) is bool:
        return type(left) is type(right) and left == right
    if isinstance(left, str) != isinstance(right, str):
        return False
    return bool(left == right)


STRING_METHODS: dict[str, tuple[frozenset[int], Method]] = {
    "startsWith": (frozenset({1}), lambda s, p: s.startswith(_text(p, "startsWith"))),
    "endsWith": (frozenset({1}), lambda s, p: s.endswith(_text(p, "endsWith"))),
    "contains": (frozenset({1}), lambda s, p: _text(p, "contains") in s),
    "toUpperCase": (frozenset({0}), str.upper),
    "toLowerCase": (frozenset({0}), str.lower),
    "trim": (frozenset({0}), lambda s: s.strip(_CONTROL_AND_SPACE)),
    "strip": (frozenset({0}), str.strip),
    "isBlank": (frozenset({0}), lambda s: not s.strip()),
    "isEmpty": (frozenset({0}), lambda s: not s),
    "length": (frozenset({0}), len),
    "substring": (frozenset({1, 2}), _substring),
    "replace": (frozenset({2}), lambda s, a, b: _replace(s, _text(a, "replace"), _text(b, "replace"))),
    "replaceAll": (
        frozenset({2}),
        lambda s, r, b: replace_matches(s, _text(r, "replaceAll"), _text(b, "replaceAll")),
    ),
    "replaceFirst": (
        frozenset({2}),
        lambda s, r, b: replace_matches(s, _text(r, "replaceFirst"), _text(b, "replaceFirst"), 1),
    ),
    "matches": (frozenset({1}), lambda s, r: cached_regex(_text(r, "matches")).fullmatch(s) is not None),
    "split": (frozenset({1, 2}), _split),
    "indexOf": (frozenset({1, 2}), _index_of),
    "lastIndexOf": (frozenset({1}), lambda s, p: s.rfind(_text(p, "lastIndexOf"))),
    "charAt": (frozenset({1}), _char_at),
    "concat": (frozenset({1}), lambda s, p: _concat(s, _text(p, "concat"))),
    "equals": (frozenset({1}), lambda s, o: type(o) is str and s == o),
    "equalsIgnoreCase": (frozenset({1}), lambda s, o: type(o) is str and s.casefold() == o.casefold()),
    "toString": (frozenset({0}), lambda s: s),
}
LIST_METHODS: dict[str, tuple[frozenset[int], Method]] = {
    "size": (frozenset({0}), len),
    "isEmpty": (frozenset({0}), lambda items: not items),
    "contains": (frozenset({1}), lambda items, x: any(_same_value(item, x) for item in items)),
    "indexOf": (frozenset({1}), lambda items, x: next((i for i, v in enumerate(items) if _same_value(v, x)), -1)),
    "get": (frozenset({1}), index_of),
}
MAP_METHODS: dict[str, tuple[frozenset[int], Method]] = {
    "size": (frozenset({0}), len),
    "isEmpty": (frozenset({0}), lambda mapping: not mapping),
    "containsKey": (frozenset({1}), lambda mapping, key: index_of(mapping, key) is not None or key in mapping),
    "containsValue": (frozenset({1}), lambda mapping, x: any(_same_value(v, x) for v in mapping.values())),
    "get": (frozenset({1}), index_of),
}
ANY_METHODS: dict[str, tuple[frozenset[int], Method]] = {
    "toString": (frozenset({0}), to_string),
    "equals": (frozenset({1}), _same_value),
}
_BY_TYPE = {str: STRING_METHODS, list: LIST_METHODS, dict: MAP_METHODS}
_TABLES = (STRING_METHODS, LIST_METHODS, MAP_METHODS, ANY_METHODS)
NAMES = frozenset(name for table in _TABLES for name in table)
# Methods whose first argument is a regex: a literal one is checked when the expression compiles.
REGEX_ARGUMENT = frozenset({"replaceAll", "replaceFirst", "matches", "split"})


def arities(name: str) -> frozenset[int]:
    return frozenset(count for table in _TABLES if name in table for count in table[name][0])


def lookup(receiver: Any, name: str, argument_count: int) -> Method:
    """The implementation for this receiver, or a ``RecordError`` naming what the receiver's type lacks."""
    entry = _BY_TYPE.get(type(receiver), ANY_METHODS).get(name) or ANY_METHODS.get(name)
    if entry is None:
        raise RecordError(f"{name}() is not a method of {describe(receiver)}")
    counts, method = entry
    if argument_count not in counts:
        raise RecordError(f"{name}() on {describe(receiver)} takes {' or '.join(map(str, sorted(counts)))} argument(s)")
    return method
