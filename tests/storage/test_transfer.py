"""The shared transfer rules without a server: a download resumes from the byte it reached, transient failures
are retried by the engine's policy and then reported with the attempts, other failures go straight through."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from dataflow.errors import JobKilled
from dataflow.retry import RetryPolicy
from steps.storage.transfer import Retrying, StoreUnavailable, download_resuming, upload_parts

QUICK = RetryPolicy(retries=3, base_delay=0.001, max_delay=0.002)


def transient_connection_errors(problem: BaseException) -> str | None:
    return "connection lost" if isinstance(problem, ConnectionError) else None


def test_a_download_cut_off_twice_resumes_where_it_stopped(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    asked: list[int] = []

    def open_at(offset: int):  # a store that drops the connection after 3000 bytes, twice
        asked.append(offset)
        sent = 0
        for start in range(offset, len(data), 1000):
            chunk = data[start : start + 1000]
            if sent >= 3000 and len(asked) < 3:
                raise ConnectionResetError("peer went away")
            sent += len(chunk)
            yield chunk

    retrying = Retrying("test store", transient_connection_errors, QUICK)
    target = tmp_path / "file.bin"
    assert download_resuming(target, retrying, "downloading", open_at, threading.Event()) == len(data)
    assert target.read_bytes() == data
    assert asked == [0, 3000, 6000]


def test_transient_failures_are_retried_then_reported_with_the_attempts() -> None:
    calls = []
    retrying = Retrying("s3://bucket/", transient_connection_errors, QUICK)

    def failing() -> None:
        calls.append(1)
        raise ConnectionRefusedError("refused")

    with pytest.raises(StoreUnavailable, match=r"listing on s3://bucket/ failed: connection lost \(gave up after 4"):
        retrying.call("listing", failing)
    assert len(calls) == 4


def test_other_failures_are_not_retried() -> None:
    calls = []
    retrying = Retrying("store", transient_connection_errors, QUICK)

    def refused() -> None:
        calls.append(1)
        raise PermissionError("no")

    with pytest.raises(PermissionError):
        retrying.call("writing", refused)
    assert calls == [1]


def test_parts_come_back_in_order_and_a_kill_stops_the_upload(tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(b"a" * 10 + b"b" * 10 + b"c" * 5)
    retrying = Retrying("store", transient_connection_errors, QUICK)
    parts = upload_parts(source, 10, lambda number, data: (number, data[:1]), retrying, "uploading", concurrency=3)
    assert parts == [(1, b"a"), (2, b"b"), (3, b"c")]

    cancel = threading.Event()
    killing = Retrying("store", transient_connection_errors, QUICK, cancel=cancel)

    def stage(number: int, data: bytes) -> int:
        cancel.set()  # the job is killed while the first part is on its way
        return number

    with pytest.raises(JobKilled):
        upload_parts(source, 10, stage, killing, "uploading", concurrency=1)
