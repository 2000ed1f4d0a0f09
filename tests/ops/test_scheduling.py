"""Frequencies, slots and the first-run delta window, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dataflow.scheduling import first_run_delta_start, next_slot, parse_time, shift, validate_scheduling

T = datetime(2026, 1, 31, 2, 0, tzinfo=UTC)


def test_parse_time_accepts_identitysync_and_iso_forms() -> None:
    assert parse_time("2026-01-31 02:00:00") == T
    assert parse_time("2026-01-31T03:00:00+01:00") == T
    assert parse_time("2026-01-31T02:00:00.000Z") == T


def test_months_are_calendar_months() -> None:
    assert shift(T, "month", 1) == datetime(2026, 2, 28, 2, 0, tzinfo=UTC)
    assert shift(T, "month", 1, periods=-2) == datetime(2025, 11, 30, 2, 0, tzinfo=UTC)
    assert shift(T, "week", 2) == T + timedelta(weeks=2)


def test_next_slot_keeps_the_grid_and_coalesces_missed_slots() -> None:
    assert next_slot(T, T, "hour", 12) == T + timedelta(hours=12)
    late = T + timedelta(days=3, minutes=5)  # the scheduler was down for three days
    assert next_slot(T, late, "day", 1) == T + timedelta(days=4)
    assert next_slot(T, T, "once", 1) is None
    assert next_slot(T, T + timedelta(days=40), "month", 1) == datetime(2026, 3, 28, 2, 0, tzinfo=UTC)


def test_first_run_window() -> None:
    assert first_run_delta_start(T, "once", None) == T - timedelta(hours=24)
    assert first_run_delta_start(T, None, None) == T - timedelta(hours=24)
    assert first_run_delta_start(T, "week", 1) == T - timedelta(weeks=1)
    assert first_run_delta_start(T, "hour", 12) == T - timedelta(hours=12)


def test_validate_scheduling() -> None:
    assert validate_scheduling({"frequencyType": "day", "frequencyInterval": 1}) == []
    assert validate_scheduling({"frequencyType": "once"}) == []
    assert validate_scheduling({"frequencyType": "fortnight", "frequencyInterval": 0, "limit": -1}) == [
        "frequencyType must be one of once, minute, hour, day, week, month",
        "frequencyInterval must be a whole number of at least 1",
        "limit must be 0 or more",
    ]
