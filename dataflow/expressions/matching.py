"""``=~ !~ =^ !^ =$ !$`` and Java regexes.

``x =~ y`` is Apache's ``contains(y, x)``: when ``y`` is a string it is a regex that must match the whole of
``x`` read as text (Java's ``String.matches``); when ``y`` is a list, ``x`` must equal one element (``==``
rules); when ``y`` is a map, ``x`` must be one of its keys. A null on either side matches only a null on the
other. ``=^``/``=$`` are startsWith/endsWith on the two values read as text.

Regexes are Java's; the few differences that matter in practice are translated (``(?<name>…)`` named groups,
``\\Q…\\E`` quoting; ``$1``/``${name}`` in replacements). A literal pattern is compiled once when the
expression is compiled; a computed one goes through a small cache.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dataflow.errors import RecordError
from dataflow.expressions.values import MAX_TEXT, check_text_length, describe, equals, to_string
from dataflow.javaregex import JavaRegexError, Pattern, compile_regex, translate_replacement


def java_regex(pattern: str) -> Pattern:
    """The pattern compiled for Python; raises ``JavaRegexError`` when it is invalid."""
    return compile_regex(pattern)


@lru_cache(maxsize=256)
def cached_regex(pattern: str) -> Pattern:
    """A computed pattern (from a field), compiled once per distinct text; a bad one fails the record."""
    try:
        return compile_regex(pattern)
    except JavaRegexError as error:
        raise RecordError(f"invalid regex {pattern!r}: {error.message}") from None


@lru_cache(maxsize=256)
def _template(pattern: str, replacement: str) -> str:
    try:
        template, _ = translate_replacement(replacement, cached_regex(pattern))
    except JavaRegexError as error:
        raise RecordError(f"invalid replacement {replacement!r}: {error.message}") from None
    return template


def replace_matches(text: str, pattern: str, replacement: str, count: int = 0) -> str:
    """Java's ``replaceAll`` (``count=0``) or ``replaceFirst`` (``count=1``)."""
    compiled, template = cached_regex(pattern), _template(pattern, replacement)
    if (len(text) + 1) * (len(replacement) + 1) > MAX_TEXT:  # could it grow past the limit? count what matches
        found = sum(1 for _ in compiled.finditer(text)) if count == 0 else min(count, 1)
        # each match adds at most the replacement's own text and, per group reference, the whole input
        longest = len(text) + found * len(replacement) + replacement.count("$") * len(text)
        check_text_length(longest, "replaceAll()" if count == 0 else "replaceFirst()")
    return compiled.sub(template, text, count)


def matches(value: Any, container: Any) -> bool:
    """``value =~ container`` with a container computed per record."""
    if value is None or container is None:
        return value is container
    kind = type(container)
    if kind is str:
        return cached_regex(container).fullmatch(to_string(value)) is not None
    if kind is list:
        return any(equals(value, item) for item in container)
    if kind is dict:
        if type(value) is dict:
            return all(key in container for key in value)
        try:
            return value in container
        except TypeError:  # an unhashable value is no key
            return False
    raise RecordError(f"'=~' needs a regex, a list or a map on its right, not {describe(container)}")


def _text(value: Any, symbol: str) -> str:
    if isinstance(value, (list, dict)):
        raise RecordError(f"'{symbol}' needs text, not {describe(value)}")
    return to_string(value)


def starts_with(value: Any, prefix: Any) -> bool:
    if value is None or prefix is None:
        return value is prefix
    return _text(value, "=^").startswith(_text(prefix, "=^"))


def ends_with(value: Any, suffix: Any) -> bool:
    if value is None or suffix is None:
        return value is suffix
    return _text(value, "=$").endswith(_text(suffix, "=$"))
