"""Java regular expressions and ``replaceAll`` replacements, read the way Java reads them, for Python's ``re``.

IdentitySync runs on Java, so flows carry Java regexes (``field.replace``, JEXL's ``=~`` and ``replaceAll``).
The differences that matter in practice are translated: named groups ``(?<name>…)`` and ``\\k<name>``,
``\\Q…\\E`` quoting, ``\\z``/``\\Z``; ``$1``/``${name}``/``\\$`` in replacements (a ``$n`` takes one
more digit while such a group exists, as Java does). Java's ``\\d \\w \\s \\b`` are ASCII-only, hence
``re.ASCII``. Errors carry the offset of the offending character in the text as written.
"""

from __future__ import annotations

import re


class JavaRegexError(ValueError):
    """A regex or replacement that cannot be used; ``offset`` points into the text as the author wrote it."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.message, self.offset = message, offset


def translate_regex(regex: str) -> tuple[str, list[int]]:
    """Java regex → Python: named groups, ``\\k<name>``, ``\\Q…\\E``, ``\\z``; with each char's origin offset."""
    out: list[str] = []
    origin: list[int] = []

    def emit(text: str, at: int) -> None:
        out.append(text)
        origin.extend([at] * len(text))

    i, n, in_class = 0, len(regex), False
    while i < n:
        c = regex[i]
        if c == "\\" and i + 1 < n:
            following = regex[i + 1]
            if following == "Q":
                end = regex.find("\\E", i + 2)
                end = n if end < 0 else end
                emit(re.escape(regex[i + 2 : end]), i)
                i = end + 2
                continue
            if following == "k" and regex.startswith("<", i + 2) and regex.find(">", i + 3) > 0:
                end = regex.find(">", i + 3)
                emit(f"(?P={regex[i + 3 : end]})", i)
                i = end + 1
                continue
            if following in "zZ" and not in_class:
                emit(r"\Z" if following == "z" else r"(?=\n?\Z)", i)
            else:
                emit(regex[i : i + 2], i)
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "(" and not in_class and regex.startswith("(?<", i) and regex[i + 3 : i + 4] not in ("=", "!"):
            emit("(?P<", i)
            i += 3
            continue
        emit(c, i)
        i += 1
    return "".join(out), origin


def translate_replacement(replacement: str, pattern: re.Pattern[str]) -> tuple[str, str | None]:
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


def compile_regex(regex: str) -> re.Pattern[str]:
    """The Java regex compiled for Python; raises ``JavaRegexError`` with the offset of the problem."""
    translated, origin = translate_regex(regex)
    try:
        return re.compile(translated, re.ASCII)
    except re.error as failure:
        at = failure.pos if failure.pos is not None else len(translated)
        offset = origin[at] if at < len(origin) else len(regex)
        raise JavaRegexError(f"invalid regex: {failure.msg}", offset) from None
