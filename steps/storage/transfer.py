"""Retries and streamed transfers for the FTP and cloud connectors: the engine's one back-off policy
(``dataflow/retry.py``) around each request, downloads that resume where a dropped connection left them, and
uploads sent in parts with a bounded number in flight.

Each connector tells :class:`Retrying` which of its client library's failures are transient (a dropped
connection, a timeout, a 5xx or throttling answer); everything else goes straight back to the connector, which
turns it into a clear job failure or a failed file. Memory stays bounded whatever the file's size: a download
holds one chunk at a time, an upload ``concurrency`` parts.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from dataflow.errors import FatalError, JobKilled
from dataflow.retry import RetryPolicy
from steps.storage.remote import read_chunks

T = TypeVar("T")

STORAGE_RETRIES = 5  # back-offs of ~0.5, 1, 2, 4, 8 s: a store that stays away that long is down
Classifier = Callable[[BaseException], str | None]  # the reason when the failure is transient, else None


class StoreUnavailable(FatalError):
    """The store stayed unreachable (or kept failing transiently) through every retry."""


@dataclass
class Retrying:
    """Runs one request under the back-off policy; a killed job stops the waiting at once."""

    where: str
    transient: Classifier
    policy: RetryPolicy = field(default_factory=lambda: RetryPolicy(retries=STORAGE_RETRIES))
    cancel: threading.Event = field(default_factory=threading.Event)
    log: Callable[[str, str], None] = lambda level, message: None
    on_retry: Callable[[], None] = lambda: None  # e.g. drop a connection that may be in a bad state

    @classmethod
    def for_step(cls, params: dict[str, Any], where: str, transient: Classifier, **options: Any) -> Retrying:
        policy = RetryPolicy(
            retries=int(params.get("maxRetries", STORAGE_RETRIES)),
            base_delay=float(params.get("retryBackoffMs", 500)) / 1000,
        )
        return cls(where, transient, policy, **options)

    def call(self, what: str, operation: Callable[[], T]) -> T:
        attempts = self.policy.attempts
        for attempt in range(1, attempts + 1):
            if self.cancel.is_set():
                raise JobKilled("the job was killed")
            try:
                return operation()
            except Exception as problem:
                reason = self.transient(problem)
                if reason is None:
                    raise
                self.on_retry()
                if attempt == attempts:
                    raise StoreUnavailable(
                        f"{what} on {self.where} failed: {reason} (gave up after {attempts} attempts)"
                    ) from None
                self.log("warn", f"{what} on {self.where}: {reason}; retrying (attempt {attempt + 1} of {attempts})")
                self.policy.wait(attempt, self.cancel)
        raise AssertionError("unreachable")


def download_resuming(
    local: Path, retrying: Retrying, what: str, open_at: Callable[[int], Iterable[bytes]], cancel: threading.Event
) -> int:
    """Write the chunks ``open_at(offset)`` yields into ``local``; after a transient failure, go on from the
    offset reached (``open_at`` asks the store for the rest only). Returns the bytes written."""
    try:
        target = local.open("wb")
    except OSError as problem:
        raise FatalError(f"cannot write {local}: {problem.strerror}") from None
    written = 0

    def attempt() -> int:
        nonlocal written
        for chunk in open_at(written):
            if cancel.is_set():
                raise JobKilled("the job was killed")
            try:
                target.write(chunk)
            except OSError as problem:
                raise FatalError(f"cannot write {local}: {problem.strerror}") from None
            written += len(chunk)
        return written

    with target:
        return retrying.call(what, attempt)


def upload_parts(
    path: Path,
    part_size: int,
    stage: Callable[[int, bytes], T],
    retrying: Retrying,
    what: str,
    concurrency: int = 4,
) -> list[T]:
    """Send the file in parts numbered from 1, ``concurrency`` at a time, each retried on its own; returns what
    ``stage`` returned per part, in order (ETags, block ids). The first part that fails for good stops the rest."""
    results: dict[int, T] = {}
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="upload-part") as pool:
        pending: deque[tuple[int, Future[T]]] = deque()

        def collect() -> None:
            number, future = pending.popleft()
            results[number] = future.result()

        try:
            for number, chunk in enumerate(read_chunks(path, part_size), 1):
                if retrying.cancel.is_set():
                    raise JobKilled("the job was killed")
                while len(pending) >= concurrency:
                    collect()
                part = f"{what} (part {number})"
                pending.append((number, pool.submit(retrying.call, part, lambda n=number, c=chunk: stage(n, c))))
            while pending:
                collect()
        except BaseException:
            for _, future in pending:
                future.cancel()
            raise
    return [results[number] for number in sorted(results)]
