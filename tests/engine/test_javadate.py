"""Java SimpleDateFormat compatibility.

Expected strings were produced by ``java.text.SimpleDateFormat`` with ``Locale.US`` (OpenJDK 17, both the
CLDR and COMPAT locale providers agree) so that these tests pin Java's behaviour, not ours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from dataflow.javadate import PATTERN_LETTERS, PatternError, compile_pattern


def fmt(pattern: str, dt: datetime) -> str:
    return compile_pattern(pattern)(dt)


SUMMER = datetime(2024, 7, 4, 15, 6, 7, 89_000, tzinfo=UTC)  # a Thursday afternoon
NEW_YEAR = datetime(2024, 1, 1, 0, 0, 5, tzinfo=UTC)  # a Monday, just after midnight
NOON = datetime(2024, 11, 30, 12, 0, tzinfo=UTC)

SUMMER_FIELDS = {
    "G": "AD", "GGGG": "AD",
    "y": "2024", "yy": "24", "yyy": "2024", "yyyy": "2024", "yyyyy": "02024",
    "Y": "2024", "YY": "24", "YYYY": "2024",
    "M": "7", "MM": "07", "MMM": "Jul", "MMMM": "July", "MMMMM": "July",
    "L": "7", "LL": "07", "LLL": "Jul", "LLLL": "July",
    "w": "27", "ww": "27", "W": "1", "WW": "01",
    "D": "186", "DDDD": "0186", "d": "4", "dd": "04", "F": "1", "FF": "01",
    "E": "Thu", "EE": "Thu", "EEE": "Thu", "EEEE": "Thursday", "EEEEE": "Thursday",
    "u": "4", "uu": "04",
    "a": "PM", "aa": "PM",
    "H": "15", "HH": "15", "k": "15", "kk": "15", "K": "3", "KK": "03", "h": "3", "hh": "03",
    "m": "6", "mm": "06", "s": "7", "ss": "07",
    "S": "89", "SS": "89", "SSS": "089", "SSSS": "0089",
    "z": "UTC", "zzz": "UTC", "zzzz": "Coordinated Universal Time",
    "Z": "+0000", "ZZZZ": "+0000", "X": "Z", "XX": "Z", "XXX": "Z",
}  # fmt: skip

NEW_YEAR_FIELDS = {
    "w": "1", "ww": "01", "W": "1", "D": "1", "DDD": "001", "d": "1", "F": "1",
    "E": "Mon", "EEEE": "Monday", "u": "1",
    "a": "AM", "H": "0", "HH": "00", "k": "24", "K": "0", "h": "12", "hh": "12",
    "m": "0", "s": "5", "S": "0", "SSS": "000",
    "M": "1", "MMM": "Jan", "MMMM": "January",
}  # fmt: skip

NOON_FIELDS = {"a": "PM", "H": "12", "k": "12", "K": "0", "h": "12", "W": "5", "F": "5", "E": "Sat", "u": "6"}


@pytest.mark.parametrize(("pattern", "expected"), sorted(SUMMER_FIELDS.items()))
def test_every_letter_on_a_summer_afternoon(pattern: str, expected: str) -> None:
    assert fmt(pattern, SUMMER) == expected


@pytest.mark.parametrize(("pattern", "expected"), sorted(NEW_YEAR_FIELDS.items()))
def test_fields_just_after_midnight_on_new_year(pattern: str, expected: str) -> None:
    assert fmt(pattern, NEW_YEAR) == expected


@pytest.mark.parametrize(("pattern", "expected"), sorted(NOON_FIELDS.items()))
def test_fields_at_noon(pattern: str, expected: str) -> None:
    assert fmt(pattern, NOON) == expected


def test_every_pattern_letter_is_covered() -> None:
    assert {pattern[0] for pattern in SUMMER_FIELDS} == PATTERN_LETTERS


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy.MM.dd G 'at' HH:mm:ss z", "1970.01.01 AD at 00:00:00 UTC"),
        ("EEE, MMM d, ''yy", "Thu, Jan 1, '70"),
        ("hh 'o''clock' a, zzzz", "12 o'clock AM, Coordinated Universal Time"),
        ("K:mm a, z", "0:00 AM, UTC"),
        ("yyyyy.MMMMM.dd GGG hh:mm aaa", "01970.January.01 AD 12:00 AM"),
        ("EEE, d MMM yyyy HH:mm:ss Z", "Thu, 1 Jan 1970 00:00:00 +0000"),
        ("yyMMddHHmmssZ", "700101000000+0000"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "1970-01-01T00:00:00.000+0000"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "1970-01-01T00:00:00.000Z"),
        ("YYYY-'W'ww-u", "1970-W01-4"),
    ],
)
def test_javadoc_examples_at_the_epoch(pattern: str, expected: str) -> None:
    assert fmt(pattern, datetime(1970, 1, 1, tzinfo=UTC)) == expected


# ------------------------------------------------------------------------------------------- quoting


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("'o''clock'", "o'clock"),
        ("''h''", "'12'"),
        ("''", "'"),
        ("'it''s' h.m", "it's 12.0"),
        ("'yyyy MM dd'", "yyyy MM dd"),
        ("'q'", "q"),
        ("'}' ''''", "} ''"),
        ("", ""),
        ("é√ 1-9 {} _ /", "é√ 1-9 {} _ /"),  # non-ASCII letters and symbols are literal
    ],
)
def test_quoting_and_literals(pattern: str, expected: str) -> None:
    assert fmt(pattern, datetime(1970, 1, 1, tzinfo=UTC)) == expected


# -------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("pattern", "message", "offset"),
    [
        ("yyyy-qq", "Illegal pattern character 'q'", 5),
        ("q", "Illegal pattern character 'q'", 0),
        ("yyyy-MM-dd T", "Illegal pattern character 'T'", 11),
        ("'T' b", "Illegal pattern character 'b'", 4),
        ("HH:mm 'abc", "Unterminated quote", 6),
        ("'a''", "Unterminated quote", 0),
        ("'a' 'b", "Unterminated quote", 4),
        ("HH XXXX", "invalid ISO 8601 format: length=4", 3),
        ("c 'unterminated", "Illegal pattern character 'c'", 0),  # the first error wins, as in Java
    ],
)
def test_bad_patterns_raise_with_offset(pattern: str, message: str, offset: int) -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern)
    assert str(caught.value) == message
    assert caught.value.message == message
    assert caught.value.offset == offset
    assert isinstance(caught.value, ValueError)


def test_every_other_ascii_letter_is_illegal() -> None:
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for letter in sorted(set(letters) - PATTERN_LETTERS):
        with pytest.raises(PatternError, match=f"Illegal pattern character '{letter}'"):
            compile_pattern(f"yyyy{letter}")


# ---------------------------------------------------------------------------------- US week numbering


@pytest.mark.parametrize(
    ("day", "week_year", "week"),
    [
        ((2024, 12, 28), "2024", "52"),  # Saturday: last day of the last week of 2024
        ((2024, 12, 29), "2025", "01"),  # Sunday: the week holding 2025-01-01 starts here
        ((2024, 12, 31), "2025", "01"),
        ((2025, 1, 1), "2025", "01"),
        ((2022, 12, 31), "2022", "53"),  # 2022 started on a Saturday, so it has 53 US weeks
        ((2023, 1, 1), "2023", "01"),  # a Sunday: week 1 starts on it
        ((2021, 1, 2), "2021", "01"),  # Saturday: week 1 is only Jan 1-2
        ((2021, 1, 3), "2021", "02"),
    ],
)
def test_week_year_and_week_of_year(day: tuple[int, int, int], week_year: str, week: str) -> None:
    dt = datetime(*day, tzinfo=UTC)
    assert fmt("YYYY", dt) == week_year
    assert fmt("ww", dt) == week
    assert fmt("yyyy", dt) == str(day[0])


def test_two_digit_week_year_differs_from_year_only_at_year_end() -> None:
    sunday = datetime(2024, 12, 29, tzinfo=UTC)
    assert (fmt("yy", sunday), fmt("YY", sunday)) == ("24", "25")
    day = datetime(2024, 1, 1, tzinfo=UTC)
    while day.year == 2024:
        expected = "25" if day >= sunday else "24"
        assert fmt("YY", day) == expected, day
        day += timedelta(days=1)


def test_week_of_month_and_day_of_week_in_month() -> None:
    # December 2024 starts on a Sunday: the 7th is still in week 1, the 8th opens week 2.
    assert fmt("W F", datetime(2024, 12, 7, tzinfo=UTC)) == "1 1"
    assert fmt("W F", datetime(2024, 12, 8, tzinfo=UTC)) == "2 2"
    # November 2024 starts on a Friday: the 3rd (Sunday) is already in week 2, yet F is still 1.
    assert fmt("W F", datetime(2024, 11, 3, tzinfo=UTC)) == "2 1"


# -------------------------------------------------------------------------------------------- zones


def test_zone_fields_with_fixed_offsets() -> None:
    west = datetime(1969, 12, 31, 20, 30, tzinfo=timezone(-timedelta(hours=3, minutes=30)))
    assert fmt("z zzzz Z X XX XXX", west) == "GMT-03:30 GMT-03:30 -0330 -03 -0330 -03:30"
    assert fmt("yyyy-MM-dd'T'HH:mm:ssXXX", west) == "1969-12-31T20:30:00-03:30"
    east = datetime(1970, 1, 1, 5, 45, tzinfo=timezone(timedelta(hours=5, minutes=45)))
    assert fmt("z Z X XX XXX", east) == "GMT+05:45 +0545 +05 +0545 +05:45"


def test_formats_in_the_datetimes_own_zone() -> None:
    moment = datetime(2024, 12, 29, 0, 0, tzinfo=UTC)
    new_york = moment.astimezone(ZoneInfo("America/New_York"))
    assert fmt("yyyy-MM-dd HH:mm z Z", new_york) == "2024-12-28 19:00 EST -0500"
    assert fmt("yyyy-MM-dd HH:mm z Z", moment) == "2024-12-29 00:00 UTC +0000"


def test_zone_fields_need_an_aware_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        fmt("Z", datetime(2024, 1, 1))


# --------------------------------------------------------------------------------------- compilation


def test_compiled_formatter_is_reusable_and_cached() -> None:
    formatter = compile_pattern("yyyy-MM-dd")
    assert formatter is compile_pattern("yyyy-MM-dd")
    assert formatter(SUMMER) == "2024-07-04"
    assert formatter(NEW_YEAR) == "2024-01-01"


def test_milliseconds_are_not_rounded() -> None:
    assert fmt("ss.SSS", datetime(2024, 1, 1, 0, 0, 59, 999_999, tzinfo=UTC)) == "59.999"
