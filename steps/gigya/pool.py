"""Concurrency for Gigya steps: per-record calls on a fixed pool, and a cursor read that runs ahead.

Gigya calls are I/O: a thread spends nearly all its time waiting on a socket, so threads (not processes) keep
``maxConnections`` requests in flight. ``Workers.map`` returns outcomes in input order: a batch leaves a writer
in the order it came in, even though the calls completed in any order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from dataflow.errors import RecordError

T = TypeVar("T")
R = TypeVar("R")
Outcome = tuple[Any, RecordError | None]


class Workers:
    """A step's thread pool; one worker means calls run inline, with no thread hand-off at all."""

    def __init__(self, size: int, name: str) -> None:
        self.size = max(1, size)
        self._pool = ThreadPoolExecutor(self.size, thread_name_prefix=name) if self.size > 1 else None

    def map(self, function: Callable[[T], R], items: list[T]) -> list[Outcome]:
        """``(result, None)`` or ``(None, RecordError)`` per item, in input order; any other exception propagates.

        On a job-level failure (bad credentials, Gigya unreachable) calls not yet started are cancelled.
        """
        if self._pool is None:
            return [_attempt(function, item) for item in items]
        futures: list[Future[Outcome]] = [self._pool.submit(_attempt, function, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _attempt(function: Callable[[T], R], item: T) -> Outcome:
    try:
        return function(item), None
    except RecordError as failure:
        return None, failure


def prefetch(pages: Iterator[T], depth: int) -> Iterator[T]:
    """Pull up to ``depth`` pages ahead on a background thread, so the network overlaps downstream work.

    Cursor pages are strictly sequential, so this is the only concurrency a single cursor allows. Errors
    surface in the consumer at the page where they happened; closing the consumer stops the fetcher.
    """
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for page in pages:
                if not put(("page", page)):
                    return
            put(("end", None))
        except BaseException as problem:  # handed to the consumer, which raises it in the job's thread
            put(("error", problem))

    thread = threading.Thread(target=fetch, name="gigya-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "page":
                yield value
            elif kind == "end":
                return
            else:
                raise value
    finally:
        stop.set()
        thread.join(timeout=5)
