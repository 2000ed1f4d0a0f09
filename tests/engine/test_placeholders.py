"""``${…}`` placeholders: syntax, rendering, errors with offsets, and walking nested params."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dataflow.placeholders import (
    PlaceholderContext,
    PlaceholderError,
    compile_template,
    find_errors,
    render_params,
)

NOW = datetime(2024, 3, 31, 13, 45, 30, 123_000, tzinfo=UTC)
NOW_MS = 1711892730123
UNKNOWN_FOO = "unknown placeholder ${foo}; known: now, now:<pattern>, now-1h, jobId, apiKey, env:NAME"


def context(**overrides: object) -> PlaceholderContext:
    values: dict[str, object] = {
        "now": NOW,
        "job_id": "job-42",
        "api_key": "3_abc",
        "environ": {"BUCKET": "exports", "_X1": "one"},
    }
    values.update(overrides)
    return PlaceholderContext(**values)  # type: ignore[arg-type]


def render(text: str, ctx: PlaceholderContext | None = None) -> str:
    return compile_template(text).render(ctx or context())


def error_of(text: str) -> PlaceholderError:
    with pytest.raises(PlaceholderError) as caught:
        compile_template(text)
    return caught.value


# ------------------------------------------------------------------------------------------------ now


def test_now_defaults_to_utc_compact_timestamp() -> None:
    assert render("${now}") == "20240331134530"


def test_now_with_a_java_pattern() -> None:
    assert render("export_${now:yyyy-MM-dd'T'HH:mm:ss.SSSXXX}.csv") == "export_2024-03-31T13:45:30.123Z.csv"
    assert render("${now:EEE, d MMM yy}") == "Sun, 31 Mar 24"


def test_now_is_the_same_instant_everywhere_and_in_utc() -> None:
    berlin = timezone(timedelta(hours=2))
    ctx = context(now=NOW.astimezone(berlin))
    assert ctx.now == NOW
    assert ctx.now.utcoffset() == timedelta(0)
    assert render("${now} ${now:HH} ${now}", ctx) == "20240331134530 13 20240331134530"


def test_context_rejects_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        PlaceholderContext(now=datetime(2024, 1, 1), job_id="j")


def test_date_pattern_may_quote_a_closing_brace() -> None:
    assert render("${now:'{'yyyy'}'}!") == "{2024}!"


# ------------------------------------------------------------------------------------ relative times


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("now-1s", NOW - timedelta(seconds=1)),
        ("now+30m", NOW + timedelta(minutes=30)),
        ("now-1h", NOW - timedelta(hours=1)),
        ("now-2d", NOW - timedelta(days=2)),
        ("now+1w", NOW + timedelta(weeks=1)),
        ("now-0d", NOW),
        ("now-36h", NOW - timedelta(hours=36)),
    ],
)
def test_fixed_units_render_epoch_milliseconds(expression: str, expected: datetime) -> None:
    rendered = render("${" + expression + "}")
    assert rendered == str(int(expected.timestamp() * 1000))
    assert rendered.isdigit()


def test_epoch_milliseconds_are_exact() -> None:
    assert render("${now-0s}") == str(NOW_MS)
    assert render("${now-1h}") == str(NOW_MS - 3_600_000)
    assert render("${now-1m}", context(now=datetime(1970, 1, 1, 0, 1, tzinfo=UTC))) == "0"


@pytest.mark.parametrize(
    ("now", "expression", "expected"),
    [
        (datetime(2024, 3, 31, tzinfo=UTC), "now-1M", "2024-02-29"),  # clamped to a leap February
        (datetime(2023, 3, 31, tzinfo=UTC), "now-1M", "2023-02-28"),
        (datetime(2024, 1, 31, tzinfo=UTC), "now+1M", "2024-02-29"),
        (datetime(2024, 5, 31, tzinfo=UTC), "now+1M", "2024-06-30"),
        (datetime(2024, 1, 15, tzinfo=UTC), "now-1M", "2023-12-15"),  # crosses the year
        (datetime(2024, 11, 30, tzinfo=UTC), "now+3M", "2025-02-28"),
        (datetime(2024, 3, 31, tzinfo=UTC), "now-25M", "2022-02-28"),
        (datetime(2024, 2, 29, tzinfo=UTC), "now-1y", "2023-02-28"),
        (datetime(2024, 2, 29, tzinfo=UTC), "now+4y", "2028-02-29"),
        (datetime(2024, 3, 31, tzinfo=UTC), "now-2d", "2024-03-29"),
    ],
)
def test_calendar_units_clamp_the_day(now: datetime, expression: str, expected: str) -> None:
    assert render("${" + expression + ":yyyy-MM-dd}", context(now=now)) == expected


def test_months_keep_the_time_of_day_and_render_epoch_ms_without_pattern() -> None:
    expected = datetime(2024, 2, 29, 13, 45, 30, 123_000, tzinfo=UTC)
    assert render("${now-1M}") == str(int(expected.timestamp() * 1000))
    assert render("${now-1M:yyyy-MM-dd HH:mm:ss.SSS}") == "2024-02-29 13:45:30.123"


def test_minutes_and_months_are_different_units() -> None:
    assert render("${now-1m:yyyy-MM-dd HH:mm}") == "2024-03-31 13:44"
    assert render("${now-1M:yyyy-MM-dd HH:mm}") == "2024-02-29 13:45"


def test_relative_time_in_a_gigya_query() -> None:
    query = "SELECT * FROM accounts WHERE lastUpdatedTimestamp > ${now-1d} AND created < ${now}"
    expected = f"SELECT * FROM accounts WHERE lastUpdatedTimestamp > {NOW_MS - 86_400_000} AND created < "
    assert render(query) == expected + "20240331134530"


def test_out_of_range_shift_fails_when_rendered() -> None:
    template = compile_template("x ${now+9000y}")
    with pytest.raises(PlaceholderError, match="out of range") as caught:
        template.render(context())
    assert caught.value.offset == 2


# ------------------------------------------------------------------------------- jobId, apiKey, env


def test_job_id_and_api_key() -> None:
    assert render("${jobId}/${apiKey}") == "job-42/3_abc"


def test_api_key_without_a_value() -> None:
    template = compile_template("key=${apiKey}")
    with pytest.raises(PlaceholderError) as caught:
        template.render(context(api_key=None))
    assert str(caught.value) == "${apiKey} has no value: no site API key is configured"
    assert caught.value.message == str(caught.value)
    assert caught.value.offset == 4


def test_env_reads_the_injected_environ() -> None:
    assert render("s3://${env:BUCKET}/${env:_X1}") == "s3://exports/one"
    assert render("${env:BUCKET}", context(environ={"BUCKET": "other"})) == "other"


def test_env_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAFLOW_TEST_PLACEHOLDER", "from-os")
    ctx = PlaceholderContext(now=NOW, job_id="j")
    assert compile_template("${env:DATAFLOW_TEST_PLACEHOLDER}").render(ctx) == "from-os"


def test_unset_env_names_the_variable() -> None:
    with pytest.raises(PlaceholderError, match="MISSING_VAR") as caught:
        render("a${env:MISSING_VAR}", context(environ={}))
    assert caught.value.offset == 1


# ------------------------------------------------------------------------------------ literal dollars


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$${now}", "${now}"),
        ("cost: $5 and $", "cost: $5 and $"),
        ("$${jobId}=${jobId}", "${jobId}=job-42"),
        ("$$${jobId}", "$${jobId}"),  # "$" then the escape "$${"
        ("$ {now}", "$ {now}"),
        ("{now}", "{now}"),
    ],
)
def test_literal_dollars(text: str, expected: str) -> None:
    assert render(text) == expected


def test_constant_templates() -> None:
    plain = compile_template("no placeholders here")
    assert plain.is_constant
    assert plain.names == ()
    assert plain.render(context()) == "no placeholders here"
    escaped = compile_template("literal $${now}")
    assert escaped.is_constant
    assert escaped.render(context()) == "literal ${now}"
    assert compile_template("").render(context()) == ""


def test_names_lists_kinds_once_in_order() -> None:
    template = compile_template("${jobId}-${now:yyyy}-${env:BUCKET}-${now-1h}-${apiKey}-${jobId}")
    assert not template.is_constant
    assert template.names == ("jobId", "now", "env", "apiKey")
    assert template.text == "${jobId}-${now:yyyy}-${env:BUCKET}-${now-1h}-${apiKey}-${jobId}"


def test_compile_template_is_cached() -> None:
    assert compile_template("${now}-${jobId}") is compile_template("${now}-${jobId}")


# --------------------------------------------------------------------------------------------- errors


def test_unknown_placeholder_message_and_offset() -> None:
    error = error_of("abc ${foo} def")
    assert str(error) == UNKNOWN_FOO
    assert error.message == UNKNOWN_FOO
    assert error.offset == 4
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("text", "offset", "fragment"),
    [
        ("name_${now", 5, "unterminated placeholder"),
        ("${", 0, "unterminated placeholder"),
        ("${}", 0, "unknown placeholder ${}"),
        ("${NOW}", 0, "unknown placeholder ${NOW}"),
        ("${jobid}", 0, "unknown placeholder ${jobid}"),
        ("${ now}", 0, "unknown placeholder ${ now}"),
        ("x${now-1x}", 1, "bad relative time ${now-1x}"),
        ("x${now-h}", 1, "bad relative time"),
        ("x${now-1.5h}", 1, "bad relative time"),
        ("x${now--1h}", 1, "bad relative time"),
        ("x${now-1h2m}", 1, "bad relative time"),
        ("${env:}", 0, "bad environment variable name"),
        ("${env:1ABC}", 0, "bad environment variable name in ${env:1ABC}"),
        ("${env:A-B}", 0, "bad environment variable name"),
        ("${now:}", 0, "empty date pattern"),
        ("${now-1h:}", 0, "empty date pattern"),
    ],
)
def test_bad_placeholders(text: str, offset: int, fragment: str) -> None:
    error = error_of(text)
    assert fragment in error.message
    assert error.offset == offset


@pytest.mark.parametrize(
    ("text", "offset", "java_message"),
    [
        ("file_${now:yyyyMMdd_q}.csv", 20, "Illegal pattern character 'q'"),
        ("${now-1d:yyyy-MM-ddTHH}", 19, "Illegal pattern character 'T'"),
        ("${now:HH 'h}", 9, "Unterminated quote"),
        ("${now:HH 'h} and ${jobId}", 9, "Unterminated quote"),
        ("${now:XXXX}", 6, "invalid ISO 8601 format: length=4"),
    ],
)
def test_bad_date_pattern_points_at_the_bad_character(text: str, offset: int, java_message: str) -> None:
    error = error_of(text)
    assert error.message.endswith(java_message)
    assert "bad date pattern in ${" in error.message
    assert error.offset == offset


def test_find_errors_reports_every_error_in_order() -> None:
    text = "${foo} ok ${jobId} ${now-1x} ${now:yyyy-qq} ${env:9} $${bar} ${now"
    errors = find_errors(text)
    assert [error.offset for error in errors] == [0, 19, 40, 44, 61]
    assert errors[0].message == UNKNOWN_FOO
    assert "bad relative time" in errors[1].message
    assert "Illegal pattern character 'q'" in errors[2].message
    assert "bad environment variable name" in errors[3].message
    assert "unterminated placeholder" in errors[4].message
    assert text[errors[2].offset] == "q"
    assert text[errors[4].offset :] == "${now"


def test_find_errors_is_empty_for_good_text_and_ignores_render_time_problems() -> None:
    assert find_errors("${now} ${now-1h:HH} ${jobId} ${apiKey} ${env:NOT_SET_ANYWHERE} $${x}") == []


def test_compile_template_raises_the_first_error() -> None:
    error = error_of("${now:q} ${foo}")
    assert error.offset == 6


# -------------------------------------------------------------------------------------- render_params


def test_render_params_walks_nested_structures() -> None:
    params = {
        "fileName": "export_${now:yyyyMMdd}_${jobId}.csv",
        "query": {"where": ["updated > ${now-1h}", {"deep": "${env:BUCKET}"}], "limit": 100},
        "flags": (True, None, 1.5, "${apiKey}"),
        "${jobId}": "keys are not rendered",
    }
    rendered = render_params(params, context())
    assert rendered == {
        "fileName": "export_20240331_job-42.csv",
        "query": {"where": [f"updated > {NOW_MS - 3_600_000}", {"deep": "exports"}], "limit": 100},
        "flags": (True, None, 1.5, "3_abc"),
        "${jobId}": "keys are not rendered",
    }
    assert params["fileName"] == "export_${now:yyyyMMdd}_${jobId}.csv"  # the input is not changed


def test_render_params_skips_top_level_keys_only() -> None:
    params = {
        "script": "return '${jobId}';",
        "nested": {"script": "${jobId}"},
        "name": "${jobId}",
    }
    rendered = render_params(params, context(), skip=frozenset({"script"}))
    assert rendered == {"script": "return '${jobId}';", "nested": {"script": "job-42"}, "name": "job-42"}


def test_render_params_skipped_values_are_not_validated() -> None:
    assert render_params({"raw": "${foo}"}, context(), skip=frozenset({"raw"})) == {"raw": "${foo}"}


def test_render_params_on_scalars_and_lists() -> None:
    assert render_params("${jobId}", context()) == "job-42"
    assert render_params(["${jobId}", 3], context()) == ["job-42", 3]
    assert render_params(7, context()) == 7
    assert render_params(None, context()) is None


def test_render_params_error_carries_the_path() -> None:
    params = {"query": {"where": ["ok", "a ${env:NOPE}"]}}
    with pytest.raises(PlaceholderError) as caught:
        render_params(params, context(environ={}))
    assert caught.value.path == ("query", "where", 1)
    assert caught.value.offset == 2
    assert "NOPE" in caught.value.message


def test_render_params_reports_compile_errors_too() -> None:
    with pytest.raises(PlaceholderError) as caught:
        render_params({"a": ["${foo}"]}, context())
    assert caught.value.message == UNKNOWN_FOO
    assert caught.value.path == ("a", 0)
