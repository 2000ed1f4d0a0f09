"""``${…}`` placeholders inside the string params of a dataflow.

IdentitySync flows parameterise their steps with placeholders -- ``export_${now:yyyyMMdd}.csv`` as a file
name, ``lastUpdatedTimestamp > ${now-1d}`` in a Gigya query -- so that one stored flow does the right thing
on every run.  This module gives them one meaning for the whole engine:

* every ``${now…}`` in a job renders from the single instant in :class:`PlaceholderContext`, so a file
  name and a query written by the same job agree to the millisecond;
* a relative time without a pattern (``${now-1h}``) renders as epoch milliseconds, which is what Gigya's
  ``*Timestamp`` fields compare against; ``${now}`` alone is UTC ``yyyyMMddHHmmss``;
* a flow is checked before it runs: :func:`find_errors` reports every bad placeholder of a string with its
  offset, instead of a job failing halfway through on the first one.

Strings are compiled once (:func:`compile_template` is cached) into literal pieces and small closures,
so rendering the same params for many jobs or many records does not re-parse them.
"""

from __future__ import annotations

import calendar
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from dataflow.javadate import Formatter, PatternError, compile_pattern

__all__ = [
    "KNOWN_PLACEHOLDERS",
    "PlaceholderContext",
    "PlaceholderError",
    "Template",
    "compile_template",
    "find_errors",
    "render_params",
]

KNOWN_PLACEHOLDERS = "now, now:<pattern>, now-1h, jobId, apiKey, env:NAME"

_DEFAULT_NOW_PATTERN = "yyyyMMddHHmmss"
_RELATIVE = re.compile(r"now([+-])([0-9]+)([yMwdhms])")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_FIXED_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1),
                "m": timedelta(minutes=1), "s": timedelta(seconds=1)}  # fmt: skip


class PlaceholderError(ValueError):
    """A bad or unrenderable placeholder.

    ``offset`` is the 0-based index in the string where the placeholder starts (for a bad date pattern,
    the index of the bad character).  ``path`` is filled in by :func:`render_params` with the keys and
    list indexes leading to the string, e.g. ``("where", 0)``; it is empty otherwise.
    """

    def __init__(self, message: str, offset: int = 0, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.path = path


@dataclass(frozen=True)
class PlaceholderContext:
    """What placeholders render from for one job.

    ``now`` must be timezone-aware; it is normalised to UTC here, so every ``${now…}`` renders in UTC.
    """

    now: datetime
    job_id: str
    api_key: str | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("PlaceholderContext.now must be a timezone-aware datetime")
        object.__setattr__(self, "now", self.now.astimezone(UTC))


_Render = Callable[[PlaceholderContext], str]


@dataclass(frozen=True)
class Template:
    """A string compiled once per job and rendered many times."""

    text: str
    is_constant: bool
    names: tuple[str, ...]
    _parts: tuple[str | _Render, ...] = field(repr=False, compare=False)

    def render(self, ctx: PlaceholderContext) -> str:
        if self.is_constant:
            return self._parts[0] if self._parts else ""
        return "".join([part if isinstance(part, str) else part(ctx) for part in self._parts])


# --------------------------------------------------------------------------------------------- parsing


class _Parsed:
    """The outcome of scanning one string: its pieces, the placeholder kinds used, and every error."""

    def __init__(self) -> None:
        self.parts: list[str | _Render] = []
        self.names: list[str] = []
        self.errors: list[PlaceholderError] = []
        self._literal: list[str] = []

    def add_literal(self, text: str) -> None:
        if text:
            self._literal.append(text)

    def add_placeholder(self, kind: str, render: _Render) -> None:
        self._flush()
        self.parts.append(render)
        if kind not in self.names:
            self.names.append(kind)

    def finish(self) -> _Parsed:
        self._flush()
        return self

    def _flush(self) -> None:
        if self._literal:
            self.parts.append("".join(self._literal))
            self._literal = []


def _parse(text: str) -> _Parsed:
    parsed = _Parsed()
    i = 0
    while (dollar := text.find("$", i)) >= 0:
        parsed.add_literal(text[i:dollar])
        if text.startswith("$${", dollar):  # escaped: $${ renders as ${
            parsed.add_literal("${")
            i = dollar + 3
            continue
        if not text.startswith("${", dollar):  # a lone $ is literal
            parsed.add_literal("$")
            i = dollar + 1
            continue
        end = _closing_brace(text, dollar + 2)
        if end < 0:
            message = "unterminated placeholder: '${' without a closing '}'"
            parsed.errors.append(PlaceholderError(message, dollar))
            return parsed.finish()
        try:
            kind, render = _compile_placeholder(text[dollar + 2 : end], dollar)
        except PlaceholderError as error:
            parsed.errors.append(error)
        else:
            parsed.add_placeholder(kind, render)
        i = end + 1
    parsed.add_literal(text[i:])
    return parsed.finish()


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing a placeholder whose body starts at ``start``, or -1.

    After the first ``:`` the body may be a date pattern, whose quoted text (``'}'``) may hold a brace.
    If quoting leaves no closing brace, fall back to the first brace so that the pattern compiler
    reports the unterminated quote at its real position.
    """
    in_pattern = quoted = False
    for k in range(start, len(text)):
        c = text[k]
        if c == "}" and not quoted:
            return k
        if c == ":":
            in_pattern = True
        elif c == "'" and in_pattern:
            quoted = not quoted
    return text.find("}", start)


def _compile_placeholder(body: str, start: int) -> tuple[str, _Render]:
    """Compile the body of ``${body}``, which starts at ``start`` (the ``$``) in the text."""
    if body == "jobId":
        return "jobId", _job_id
    if body == "apiKey":
        return "apiKey", _api_key(start)
    if body.startswith("env:"):
        return "env", _env(body, start)
    if body == "now":
        return "now", _formatted_now(compile_pattern(_DEFAULT_NOW_PATTERN), None)
    if body.startswith("now:"):
        return "now", _formatted_now(_date_pattern(body, 4, start), None)
    if body.startswith(("now-", "now+")):
        return "now", _relative_now(body, start)
    raise PlaceholderError(f"unknown placeholder ${{{body}}}; known: {KNOWN_PLACEHOLDERS}", start)


def _date_pattern(body: str, pattern_at: int, start: int) -> Formatter:
    """Compile the date pattern at ``body[pattern_at:]``; errors point into the whole text."""
    pattern = body[pattern_at:]
    if not pattern:
        raise PlaceholderError(f"empty date pattern in ${{{body}}}", start)
    try:
        return compile_pattern(pattern)
    except PatternError as error:
        message = f"bad date pattern in ${{{body}}}: {error.message}"
        raise PlaceholderError(message, start + 2 + pattern_at + error.offset) from None


# ------------------------------------------------------------------------------------------- rendering


def _job_id(ctx: PlaceholderContext) -> str:
    return ctx.job_id


def _api_key(start: int) -> _Render:
    def api_key(ctx: PlaceholderContext) -> str:
        if ctx.api_key is None:
            raise PlaceholderError("${apiKey} has no value: no site API key is configured", start)
        return ctx.api_key

    return api_key


def _env(body: str, start: int) -> _Render:
    name = body[4:]
    if not _ENV_NAME.fullmatch(name):
        message = f"bad environment variable name in ${{{body}}}: expected [A-Za-z_][A-Za-z0-9_]*"
        raise PlaceholderError(message, start)

    def env(ctx: PlaceholderContext) -> str:
        value = ctx.environ.get(name)
        if value is None:
            raise PlaceholderError(f"${{{body}}} has no value: environment variable {name} is not set", start)
        return value

    return env


def _formatted_now(formatter: Formatter, shift: Callable[[datetime], datetime] | None) -> _Render:
    if shift is None:
        return lambda ctx: formatter(ctx.now)
    return lambda ctx: formatter(shift(ctx.now))


def _relative_now(body: str, start: int) -> _Render:
    expression, colon, _ = body.partition(":")
    match = _RELATIVE.fullmatch(expression)
    if match is None:
        raise PlaceholderError(
            f"bad relative time ${{{body}}}: expected now-<integer><unit> or now+<integer><unit>, "
            "unit one of y M w d h m s (M months, m minutes), e.g. ${now-1h}",
            start,
        )
    sign, amount, unit = match.groups()
    shift = _shifter(int(amount) * (-1 if sign == "-" else 1), unit, body, start)
    if colon:
        return _formatted_now(_date_pattern(body, len(expression) + 1, start), shift)
    return lambda ctx: str(_epoch_millis(shift(ctx.now)))


def _shifter(amount: int, unit: str, body: str, start: int) -> Callable[[datetime], datetime]:
    def shift(now: datetime) -> datetime:
        try:
            if unit in _FIXED_UNITS:
                return now + amount * _FIXED_UNITS[unit]
            return _add_months(now, amount * 12 if unit == "y" else amount)
        except (OverflowError, ValueError):
            raise PlaceholderError(f"${{{body}}} is out of range from {now.isoformat()}", start) from None

    return shift


def _add_months(moment: datetime, months: int) -> datetime:
    """Calendar months: 2024-03-31 minus one month is 2024-02-29 (the day is clamped to the month)."""
    year, month0 = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(year)
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def _epoch_millis(moment: datetime) -> int:
    return (moment - _EPOCH) // _MILLISECOND


# ----------------------------------------------------------------------------------------- public API


@lru_cache(maxsize=4096)
def compile_template(text: str) -> Template:
    """Compile ``text`` once; raises :class:`PlaceholderError` for its first bad placeholder."""
    parsed = _parse(text)
    if parsed.errors:
        raise parsed.errors[0]
    constant = not parsed.names
    return Template(text, constant, tuple(parsed.names), tuple(parsed.parts))


def find_errors(text: str) -> list[PlaceholderError]:
    """Every bad placeholder in ``text``, in order, for validating a flow before it runs.

    Render-time problems (an unset environment variable, no API key) are not reported here.
    """
    return _parse(text).errors


def render_params(value: Any, ctx: PlaceholderContext, skip: frozenset[str] = frozenset()) -> Any:
    """Render every string in ``value``, walking dicts, lists and tuples; other values are returned as is.

    Dict keys are never rendered, only values.  When ``value`` is a dict, the values of its top-level
    keys listed in ``skip`` are returned untouched.  Containers are copied, never changed in place.
    A :class:`PlaceholderError` carries ``path``, the keys and indexes leading to the bad string.
    """
    if isinstance(value, dict):
        return {key: item if key in skip else _render_at(item, ctx, key) for key, item in value.items()}
    return _render(value, ctx)


def _render(value: Any, ctx: PlaceholderContext) -> Any:
    if isinstance(value, str):
        return compile_template(value).render(ctx)
    if isinstance(value, dict):
        return {key: _render_at(item, ctx, key) for key, item in value.items()}
    if isinstance(value, list | tuple):
        rendered = [_render_at(item, ctx, index) for index, item in enumerate(value)]
        return rendered if isinstance(value, list) else tuple(rendered)
    return value


def _render_at(value: Any, ctx: PlaceholderContext, key: str | int) -> Any:
    try:
        return _render(value, ctx)
    except PlaceholderError as error:
        error.path = (key, *error.path)
        raise
