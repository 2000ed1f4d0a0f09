"""``field.replace`` and ``field.date.format``: rewrite the values of fields, with Java's syntax.

IdentitySync runs on Java, so flows carry Java regexes (``$1`` in replacements) and ``SimpleDateFormat``
patterns. Both are translated and compiled once per job; a bad one is reported at load time by
``check_params``, pointing at the offending character, instead of failing the first record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import partial
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from dataflow.clock import utc_now
from dataflow.component import ParamProblem, Record, RecordStep
from dataflow.errors import RecordError
from dataflow.fieldpath import MISSING, compile_getter, compile_setter, parse
from dataflow.javadate import PatternError, _Field, _scan, compile_pattern
from dataflow.runtime.context import StepContext

Substitute = Callable[[str], str]


class _Bad(ValueError):
    """A problem in one param string: which key of the field item, what, and where inside the string."""

    def __init__(self, key: str, message: str, offset: int | None = None) -> None:
        super().__init__(message)
        self.key, self.message, self.offset = key, message, offset


# ------------------------------------------------------------------------------------------ field.replace


def _python_regex(regex: str) -> tuple[str, list[int]]:
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


def _python_template(replacement: str, pattern: re.Pattern[str]) -> tuple[str, str | None]:
    """Java replacement (``$1``, ``${name}``, ``\\$``) → Python template, and the plain text when it uses no group."""
    pieces: list[str] = []
    text: list[str] = []
    uses_groups, i, n = False, 0, len(replacement)
    while i < n:
        c = replacement[i]
        if c == "\\":
            if i + 1 >= n:
                raise _Bad("replacement", "character to be escaped is missing", i)
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
                raise _Bad("replacement", "named capturing group is missing trailing '}'", i)
            if name not in pattern.groupindex:
                raise _Bad("replacement", f"No group with name {{{name}}}", i)
            pieces.append(f"\\g<{name}>")
            i = end + 1
        elif "0" <= following <= "9":
            number, i = int(following), i + 2
            if number > pattern.groups:
                raise _Bad("replacement", f"No group {number} (the regex has {pattern.groups})", i - 2)
            while i < n and "0" <= replacement[i] <= "9" and number * 10 + int(replacement[i]) <= pattern.groups:
                number, i = (
                    number * 10 + int(replacement[i]),
                    i + 1,
                )  # Java takes a digit more while such a group exists
            pieces.append(f"\\g<{number}>")
        else:
            raise _Bad("replacement", "Illegal group reference: '$' must be followed by a group number or {name}", i)
        uses_groups = True
    return "".join(pieces), None if uses_groups else "".join(text)


def _can_match_empty_and_text(pattern: re.Pattern[str]) -> bool:
    try:
        low, high = re._parser.parse(pattern.pattern, pattern.flags).getwidth()  # type: ignore[attr-defined]
    except Exception:  # a private API: if it moves, skipping empty matches is the safe reading
        return True
    return low == 0 and high > 0


def compile_substitution(item: dict[str, Any]) -> Substitute:
    """``text -> text`` for one ``{regex, replacement}``: Java syntax, every match replaced (``replaceAll``).

    Java's ``\\d \\w \\s \\b`` are ASCII-only, hence ``re.ASCII``. A regex that can match text but also
    nothing (``(\\|)|(\\n)|(||)`` in the public Epsilon flow) replaces only its non-empty matches; Java
    would insert the replacement between every two characters. Pure anchors (``^``) still insert.
    """
    regex, origin = _python_regex(item["regex"])
    try:
        pattern = re.compile(regex, re.ASCII)
    except re.error as failure:
        at = failure.pos if failure.pos is not None else len(regex)
        offset = origin[at] if at < len(origin) else len(item["regex"])
        raise _Bad("regex", f"invalid regex: {failure.msg}", offset) from None
    template, literal = _python_template(item.get("replacement", ""), pattern)
    if not _can_match_empty_and_text(pattern):
        return partial(pattern.sub, template)
    if literal is None:
        expand = re.Match.expand
        return partial(pattern.sub, lambda m: expand(m, template) if m.end() > m.start() else "")
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
_OFFSET = re.compile(r"(?:GMT|UTC)?([+-])([0-9]{1,2})(?::?([0-9]{2}))?")
_ISO_OUTPUT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"


def zone_named(name: str) -> tzinfo:
    """An IANA zone (``Europe/Paris``), ``UTC``/``GMT``, or a fixed offset (``+02:00``, ``GMT-5``)."""
    if name in ("UTC", "GMT", "Z"):
        return UTC
    offset = _OFFSET.fullmatch(name)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0)))
    return ZoneInfo(name)  # ZoneInfoNotFoundError (a KeyError) or ValueError for a bad name


_MONTH_NAMES = ("january", "february", "march", "april", "may", "june",
                "july", "august", "september", "october", "november", "december")  # fmt: skip
_MONTHS = {name[:3]: number for number, name in enumerate(_MONTH_NAMES, 1)}
_NAMES_OF = {
    "M": "|".join([*_MONTH_NAMES, *_MONTHS]),
    "E": "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun",
    "a": "am|pm",
    "G": "ad|bc",
}
_NAMES_OF["L"] = _NAMES_OF["M"]
_ZONE_TEXT = r"[+-][0-9]{1,2}(?::?[0-9]{2})?|[A-Za-z]{1,5}(?:[+-][0-9]{1,2}(?::?[0-9]{2})?)?"
_US_ZONES = {"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}
_NUMERIC_LETTERS = frozenset("yYdHkKhmsSDFwWu")


def _parsed_zone(text: str) -> tzinfo:
    hours = _US_ZONES.get(text.upper())
    if hours is not None:
        return timezone(timedelta(hours=hours))
    if text == "UT" or _OFFSET.fullmatch(text) or text in ("UTC", "GMT", "Z"):
        return zone_named("UTC" if text == "UT" else text)
    raise ValueError(f"unknown time zone '{text}'")


def _is_number(part: Any) -> bool:
    return isinstance(part, _Field) and (part.letter in _NUMERIC_LETTERS or (part.letter in "ML" and part.count < 3))


def compile_parser(pattern: str, zone: tzinfo, now: datetime) -> Callable[[str], datetime]:
    """A Java ``SimpleDateFormat`` pattern as a parser, as Java reads it (``DateFormat.parse``).

    Java's rules kept: a number's letter count matters only between two abutting numbers (``yyyyMMdd``);
    names are case-insensitive; ``yy`` with two digits lands within 80 years before and 20 after now; ``S`` is
    a count of milliseconds; text after the pattern is ignored. Week, weekday and era fields are read and
    ignored; values out of range fail (Java's lenient rollover is not reproduced). No zone in the pattern
    means the value is in ``zone``.
    """
    parts = _scan(pattern)
    regex: list[str] = []
    fields: list[_Field] = []
    for index, part in enumerate(parts):
        if isinstance(part, str):
            regex.append(re.escape(part))
            continue
        fields.append(part)
        if _is_number(part):
            abutting = index + 1 < len(parts) and _is_number(parts[index + 1])
            regex.append(f"([0-9]{{{part.count}}})" if abutting else "([0-9]+)")
        elif part.letter in "zZX":
            regex.append(f"({_ZONE_TEXT})")
        else:
            regex.append(f"((?i:{_NAMES_OF[part.letter]}))")
    compiled = re.compile("".join(regex))
    century_start = now.year - 80

    def parse_text(text: str) -> datetime:
        found = compiled.match(text)
        if found is None:
            raise ValueError(f"does not match the pattern '{pattern}'")
        got: dict[str, Any] = {}
        for field, value in zip(fields, found.groups(), strict=True):
            letter = field.letter
            if letter in "yY":
                year = int(value)
                if field.count <= 2 and len(value) == 2:
                    year += century_start // 100 * 100
                    year += 100 if year < century_start else 0
                got["year"] = year
            elif letter in "ML":
                got["month"] = int(value) if field.count < 3 else _MONTHS[value[:3].lower()]
            elif letter in "dHmsS":
                got[letter] = int(value)
            elif letter in "kKh":
                got["H" if letter == "k" else "h"] = int(value) % (24 if letter == "k" else 12)
            elif letter == "a":
                got["pm"] = value.lower() == "pm"
            elif letter in "zZX":
                got["zone"] = _parsed_zone(value)
        hour = got.get("H")
        if hour is None:
            hour = got.get("h", 0) + (12 if got.get("pm") else 0)
        moment = datetime(
            got.get("year", 1970), got.get("month", 1), got.get("d", 1), hour, got.get("m", 0), got.get("s", 0),
            tzinfo=got.get("zone", zone),
        )  # fmt: skip
        return moment + timedelta(milliseconds=got.get("S", 0))

    return parse_text


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
