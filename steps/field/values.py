"""``field.replace`` and ``field.date.format``: rewrite the values of fields, with Java's syntax.

IdentitySync runs on Java, so flows carry Java regexes (``$1`` in replacements) and ``SimpleDateFormat``
patterns. Both are translated and compiled once per job; a bad one is reported at load time by
``check_params``, pointing at the offending character, instead of failing the first record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import Any, ClassVar

from dataflow.clock import utc_now
from dataflow.component import ParamProblem, Record, RecordStep
from dataflow.errors import RecordError
from dataflow.fieldpath import MISSING, compile_getter, compile_setter, parse
from dataflow.javadate import PatternError, compile_pattern
from dataflow.javadate_parse import compile_parser, zone_named
from dataflow.javaregex import JavaRegexError, can_match_empty_and_text, compile_regex, translate_replacement
from dataflow.runtime.context import StepContext

Substitute = Callable[[str], str]


class _Bad(ValueError):
    """A problem in one param string: which key of the field item, what, and where inside the string."""

    def __init__(self, key: str, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.key, self.message, self.offset = key, message, offset


# ------------------------------------------------------------------------------------------ field.replace


def compile_substitution(item: dict[str, Any]) -> Substitute:
    """``text -> text`` for one ``{regex, replacement}``: Java syntax, every match replaced (``replaceAll``).

    Java's ``\\d \\w \\s \\b`` are ASCII-only, hence ``re.ASCII``. A regex that can match text but also
    nothing (``(\\|)|(\\n)|(||)`` in the public Epsilon flow) replaces only its non-empty matches; Java
    would insert the replacement between every two characters. Pure anchors (``^``) still insert.
    """
    try:
        pattern = compile_regex(item["regex"])
    except JavaRegexError as bad:
        raise _Bad("regex", bad.message, bad.offset) from None
    try:
        template, literal = translate_replacement(item.get("replacement", ""), pattern)
    except JavaRegexError as bad:
        raise _Bad("replacement", bad.message, bad.offset) from None
    if not can_match_empty_and_text(pattern):
        return partial(pattern.sub, template)
    if literal is None:
        return partial(pattern.sub, lambda m: m.expand(template) if m.end() > m.start() else "")
    return partial(pattern.sub, lambda m: literal if m.end() > m.start() else "")


def _replace_in(node: dict | list, substitutes: tuple[Substitute, ...]) -> None:
    """Apply ``substitutes`` to every string inside ``node``, at any depth (keys are left alone)."""
    pairs: Iterable[tuple[Any, Any]] = node.items() if type(node) is dict else enumerate(node)
    for key, value in pairs:
        kind = type(value)
        if kind is str:
            for substitute in substitutes:
                value = substitute(value)
            node[key] = value
        elif kind is dict or kind is list:
            _replace_in(value, substitutes)


class Replace(RecordStep):
    """Regex replace inside string values; ``field: "*"`` means every string of the record, at any depth.

    ``fields`` is a raw param: regexes and replacements are read as written, so ``${name}`` is a Java group
    reference, not a placeholder. A named field holding an object or array has its strings replaced; numbers,
    booleans and nulls are left alone.
    """

    type: ClassVar[str] = "field.replace"
    raw_params: ClassVar[frozenset[str]] = frozenset({"fields"})

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterator[ParamProblem]:
        for index, item in enumerate(params["fields"]):
            try:
                compile_substitution(item)
            except _Bad as bad:
                yield ParamProblem(("fields", index, bad.key), bad.message, bad.offset)

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._steps: list[Callable[[Record], None]] = []
        everywhere: list[Substitute] = []  # consecutive "*" rules share one walk over the record
        for item in params["fields"]:
            substitute = compile_substitution(item)
            if item["field"] == "*":
                everywhere.append(substitute)
                continue
            self._flush(everywhere)
            self._steps.append(self._one_field(item["field"], substitute))
        self._flush(everywhere)

    def _flush(self, everywhere: list[Substitute]) -> None:
        if everywhere:
            self._steps.append(partial(_replace_in, substitutes=tuple(everywhere)))
            everywhere.clear()

    @staticmethod
    def _one_field(text: str, substitute: Substitute) -> Callable[[Record], None]:
        key, get, put = parse(text).key, compile_getter(text), compile_setter(text)

        def replace(record: Record) -> None:
            value = record[key] if key in record else get(record)  # a literal key first, as get() would
            if type(value) is str:
                put(record, substitute(value))
            elif type(value) is dict or type(value) is list:
                _replace_in(value, (substitute,))

        return replace

    def process(self, record: Record) -> Record:
        for step in self._steps:
            step(record)
        return record


# -------------------------------------------------------------------------------------- field.date.format

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_SECOND = timedelta(seconds=1)
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_ISO_OUTPUT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"


Reader = Callable[[Any], datetime]


def _from_epoch(value: Any, unit: timedelta) -> datetime:
    if type(value) is str and _NUMBER.fullmatch(value.strip()):
        value = float(value) if "." in value else int(value)
    if type(value) not in (int, float):
        raise ValueError("not a number")
    return _EPOCH + unit * value


def _from_iso(value: Any, zone: tzinfo) -> datetime:
    if type(value) is not str:
        raise ValueError("not a string")
    moment = datetime.fromisoformat(value.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _detect(value: Any, zone: tzinfo) -> datetime:
    """No ``inputFormat``: numbers (and digit strings) are epoch milliseconds, other strings ISO-8601."""
    if type(value) in (int, float) or (type(value) is str and _INTEGER.fullmatch(value.strip())):
        return _from_epoch(value, _MILLISECOND)
    return _from_iso(value, zone)


def compile_reader(input_format: str | None, zone: tzinfo, now: datetime) -> Reader:
    if not input_format:
        return partial(_detect, zone=zone)
    if input_format == "epoch":
        return partial(_from_epoch, unit=_SECOND)
    if input_format == "epochMillis":
        return partial(_from_epoch, unit=_MILLISECOND)
    if input_format == "iso8601":
        return partial(_from_iso, zone=zone)
    parse_text = compile_parser(input_format, zone, now)
    return lambda value: parse_text(value if type(value) is str else str(value))


Writer = Callable[[datetime], Any]


def compile_writer(output_format: str, zone: tzinfo) -> Writer:
    if output_format == "epoch":
        return lambda moment: (moment - _EPOCH) // _SECOND
    if output_format == "epochMillis":
        return lambda moment: (moment - _EPOCH) // _MILLISECOND
    formatter = compile_pattern(_ISO_OUTPUT if output_format == "iso8601" else output_format)
    return lambda moment: formatter(moment.astimezone(zone))


class DateFormat(RecordStep):
    """Rewrite dates in the given Java ``format`` and ``timezone``; values without a zone are read in ``timezone``.

    Missing, null and empty values are left alone; a value that cannot be read as a date fails the record.
    """

    type: ClassVar[str] = "field.date.format"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterator[ParamProblem]:
        now = utc_now()
        for index, item in enumerate(params["fields"]):
            for bad in cls._compile(item, now)[2]:
                yield ParamProblem(("fields", index, bad.key), bad.message, bad.offset)

    @staticmethod
    def _compile(item: dict[str, Any], now: datetime) -> tuple[Reader | None, Writer | None, list[_Bad]]:
        """The reader and writer of one item, and every problem found on the way."""
        problems: list[_Bad] = []
        reader = writer = None
        try:
            zone = zone_named(item.get("timezone") or "UTC")
        except (KeyError, ValueError):
            message = f"unknown time zone '{item.get('timezone')}' (use e.g. UTC, Europe/Paris, +02:00)"
            problems.append(_Bad("timezone", message))
            zone = UTC  # go on, to check the patterns too
        try:
            reader = compile_reader(item.get("inputFormat"), zone, now)
        except PatternError as bad:
            problems.append(_Bad("inputFormat", f"invalid date pattern: {bad.message}", bad.offset))
        try:
            writer = compile_writer(item["format"], zone)
        except PatternError as bad:
            problems.append(_Bad("format", f"invalid date pattern: {bad.message}", bad.offset))
        return reader, writer, problems

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._fields: list[tuple[str, str, Any, Any, Reader, Writer]] = []
        for item in params["fields"]:
            reader, writer, problems = self._compile(item, context.job.now)
            if problems:  # validation reports these before a job builds the step
                raise ValueError(f"param fields.{problems[0].key}: {problems[0].message}")
            assert reader is not None and writer is not None
            text = item["field"]
            self._fields.append((text, parse(text).key, compile_getter(text), compile_setter(text), reader, writer))

    def process(self, record: Record) -> Record:
        for text, key, get, put, read, write in self._fields:
            value = record[key] if key in record else get(record)
            if value is MISSING or value is None or value == "":
                continue
            try:
                moment = read(value)
                put(record, write(moment))
            except (ValueError, TypeError, OverflowError) as failure:
                raise RecordError(
                    f"field '{text}': cannot read {value!r} as a date ({failure})", field=text, value=value
                ) from None
        return record
