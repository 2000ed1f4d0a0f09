"""Java regular expressions and ``replaceAll`` replacements, read the way Java reads them, for Python's ``re``.

IdentitySync runs on Java, so flows carry Java regexes (``field.replace``, JEXL's ``=~`` and ``replaceAll``).
The differences that matter in practice are translated: named groups ``(?<name>…)`` and ``\\k<name>``,
``\\Q…\\E`` quoting, ``\\z``/``\\Z``; ``$1``/``${name}``/``\\$`` in replacements (a ``$n`` takes one
more digit while such a group exists, as Java does). Java's ``\\d \\w \\s \\b`` are ASCII-only, hence
``re.ASCII``. Errors carry the offset of the offending character in the text as written.

A time limit guards against catastrophic backtracking. A flow author's regex meets millions of values a night,
and one that can backtrack exponentially (``(a|aa)+$`` on a long value) would hold ``re`` for hours with no way to
interrupt it. Such shapes — a repetition inside a repetition, alternatives inside a repetition, a backreference —
and anything ``re`` cannot read (Java's ``\\p{...}``, possessive quantifiers, atomic groups) compile with the
``regex`` module instead, whose every call gives up after ``MATCH_TIMEOUT_S`` and fails that record (down the
step's error path, with the reason) while the job goes on. Every other pattern stays on ``re``: a call with a time
limit costs about four times as much, and a pattern without nested repetition backtracks at worst polynomially.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import regex

from dataflow.errors import RecordError

MATCH_TIMEOUT_S = 2.0  # per call, per value: a sound regex takes microseconds on a field


class JavaRegexError(ValueError):
    """A regex or replacement that cannot be used; ``offset`` points into the text as the author wrote it."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message, self.offset = message, offset

    @property
    def reason(self) -> str:
        """The message without its ``invalid regex:`` lead, for callers that already say it is a regex."""
        return self.message.removeprefix("invalid regex: ")


def translate_regex(java: str) -> tuple[str, list[int]]:
    """Java regex → Python: named groups, ``\\k<name>``, ``\\Q…\\E``, ``\\z``, Unicode ``\\p{…}``; with each char's
    origin offset."""
    out: list[str] = []
    origin: list[int] = []

    def emit(text: str, at: int) -> None:
        out.append(text)
        origin.extend([at] * len(text))

    i, n, in_class = 0, len(java), False
    while i < n:
        c = java[i]
        if c == "\\" and i + 1 < n:
            following = java[i + 1]
            if following == "Q":
                end = java.find("\\E", i + 2)
                end = n if end < 0 else end
                emit(re.escape(java[i + 2 : end]), i)
                i = end + 2
                continue
            if following == "k" and java.startswith("<", i + 2) and java.find(">", i + 3) > 0:
                end = java.find(">", i + 3)
                emit(f"(?P={java[i + 3 : end]})", i)
                i = end + 1
                continue
            if following in "pP":  # Unicode classes: \pL, \p{Lu}, \P{IsAlphabetic}
                end = java.find("}", i + 3) + 1 if java.startswith("{", i + 2) else i + 3
                if end <= i or end > n:
                    raise JavaRegexError(f"unclosed \\{following}{{...}}", i)
                if in_class:
                    raise JavaRegexError(
                        f"\\{following}{{...}} inside [...] is not supported; write (?:{java[i:end]}|[...]) instead",
                        i,
                    )
                emit(f"(?u:{java[i:end]})", i)  # Unicode, as in Java, despite the ASCII \d \w \s around it
                i = end
                continue
            if following in "zZ" and not in_class:
                emit(r"\Z" if following == "z" else r"(?=\n?\Z)", i)
            else:
                emit(java[i : i + 2], i)
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "(" and not in_class and java.startswith("(?<", i) and java[i + 3 : i + 4] not in ("=", "!"):
            emit("(?P<", i)
            i += 3
            continue
        emit(c, i)
        i += 1
    return "".join(out), origin


def translate_replacement(replacement: str, pattern: Pattern) -> tuple[str, str | None]:
    """Java replacement (``$1``, ``${name}``, ``\\$``) → Python template, and the plain text when it uses no group."""
    pieces: list[str] = []
    text: list[str] = []
    uses_groups, i, n = False, 0, len(replacement)
    while i < n:
        c = replacement[i]
        if c == "\\":
            if i + 1 >= n:
                raise JavaRegexError("character to be escaped is missing", i)
            pieces.append("\\\\" if replacement[i + 1] == "\\" else replacement[i + 1])
            text.append(replacement[i + 1])
            i += 2
            continue
        if c != "$":
            pieces.append(c)
            text.append(c)
            i += 1
            continue
        following = replacement[i + 1 : i + 2]
        if following == "{":
            end = replacement.find("}", i + 2)
            name = replacement[i + 2 : end] if end > 0 else ""
            if not name:
                raise JavaRegexError("named capturing group is missing trailing '}'", i)
            if name not in pattern.groupindex:
                raise JavaRegexError(f"No group with name {{{name}}}", i)
            pieces.append(f"\\g<{name}>")
            i = end + 1
        elif "0" <= following <= "9":
            number, i = int(following), i + 2
            if number > pattern.groups:
                raise JavaRegexError(f"No group {number} (the regex has {pattern.groups})", i - 2)
            while i < n and "0" <= replacement[i] <= "9" and number * 10 + int(replacement[i]) <= pattern.groups:
                number, i = (
                    number * 10 + int(replacement[i]),
                    i + 1,
                )  # Java takes a digit more while such a group exists
            pieces.append(f"\\g<{number}>")
        else:
            raise JavaRegexError("Illegal group reference: '$' must be followed by a group number or {name}", i)
        uses_groups = True
    return "".join(pieces), None if uses_groups else "".join(text)


class BoundedPattern:
    """A compiled Java regex whose every call gives up after ``MATCH_TIMEOUT_S`` with a ``RecordError``.

    It offers the few methods the engine uses, with ``re``'s meanings; ``pattern`` is the translated text.
    """

    __slots__ = ("_compiled", "pattern", "source")

    def __init__(self, compiled: Any, source: str) -> None:
        self._compiled = compiled
        self.pattern: str = compiled.pattern
        self.source = source  # the regex as the author wrote it, for messages

    @property
    def groups(self) -> int:
        return int(self._compiled.groups)

    @property
    def groupindex(self) -> dict[str, int]:
        return dict(self._compiled.groupindex)

    def fullmatch(self, text: str) -> Any:
        return self._bounded(text, self._compiled.fullmatch, text)

    def search(self, text: str) -> Any:
        return self._bounded(text, self._compiled.search, text)

    def sub(self, replacement: str | Callable[[Any], str], text: str, count: int = 0) -> str:
        return self._bounded(text, self._compiled.sub, replacement, text, count)

    def finditer(self, text: str) -> Iterator[Any]:
        try:
            yield from self._compiled.finditer(text, timeout=MATCH_TIMEOUT_S)
        except TimeoutError:
            raise self._gave_up(text) from None

    def _bounded(self, text: str, method: Callable[..., Any], *args: Any) -> Any:
        try:
            return method(*args, timeout=MATCH_TIMEOUT_S)
        except TimeoutError:
            raise self._gave_up(text) from None

    def _gave_up(self, text: str) -> RecordError:
        return RecordError(
            f"regex {self.source!r} gave up after {MATCH_TIMEOUT_S:g} s on {len(text):,} characters: it "
            "backtracks catastrophically (nested or overlapping repetition); make it more specific"
        )


Pattern = re.Pattern[str] | BoundedPattern
"""What ``compile_regex`` returns: both offer ``fullmatch``, ``search``, ``sub``, ``finditer``, ``groups``,
``groupindex`` and ``pattern`` with ``re``'s meanings."""

_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})
_BACKREFERENCES = frozenset({"GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "GROUPREF_LOC_IGNORE"})


@lru_cache(maxsize=256)
def _parsed(translated: str) -> Any:
    """``re``'s parse tree of a translated pattern, or None when ``re`` cannot read it (or its private parser
    moved): the one place the shape of a pattern is read from."""
    try:
        return re._parser.parse(translated, re.ASCII)  # type: ignore[attr-defined]
    except Exception:
        return None


def can_backtrack_exponentially(translated: str) -> bool:
    """Whether the pattern has a shape that can take exponential time: nested or alternating repetition, or a
    backreference. A pattern ``re`` cannot parse counts as risky too (it goes to ``regex``, which may read it)."""
    parsed = _parsed(translated)
    return parsed is None or _risky(parsed, inside_repeat=False)


def can_match_empty_and_text(pattern: Pattern) -> bool:
    """Whether the pattern matches both the empty string and some text (``a*``): Java's ``replaceAll`` and Python's
    ``sub`` then disagree about the empty matches. Unknown (unparseable) counts as yes, the safe reading."""
    parsed = _parsed(pattern.pattern)
    if parsed is None:
        return True
    low, high = parsed.getwidth()
    return low == 0 and high > 0


def _risky(items: Any, inside_repeat: bool) -> bool:
    for op, argument in items:
        name = str(op)
        if name in _BACKREFERENCES:
            return True
        if name in _REPEATS:
            if inside_repeat:  # even an optional part inside a repetition multiplies the ways to match
                return True
            _low, high, body = argument
            if _risky(body, inside_repeat=high > 1):
                return True
        elif name == "BRANCH":
            if inside_repeat:
                return True
            if any(_risky(branch, inside_repeat) for branch in argument[1]):
                return True
        elif name in ("SUBPATTERN", "ATOMIC_GROUP", "ASSERT", "ASSERT_NOT"):
            body = argument[-1]
            if _risky(body, inside_repeat):
                return True
    return False


def compile_regex(pattern: str) -> Pattern:
    """The Java regex compiled for Python (with a time limit when its shape calls for one); raises
    ``JavaRegexError`` with the offset of the problem."""
    translated, origin = translate_regex(pattern)
    if not can_backtrack_exponentially(translated):
        try:
            return re.compile(translated, re.ASCII)
        except re.error:
            pass  # reported below, with regex's message
    try:
        return BoundedPattern(regex.compile(translated, regex.ASCII | regex.VERSION0), pattern)
    except regex.error as failure:
        message, at = failure.msg, failure.pos
    try:  # re points at the start of what is wrong (the open parenthesis, the escape), regex past its end
        re.compile(translated, re.ASCII)
    except re.error as failure:
        at = failure.pos
    at = at if at is not None else len(translated)
    offset = origin[at] if at < len(origin) else len(pattern)
    raise JavaRegexError(f"invalid regex: {message}", offset)
