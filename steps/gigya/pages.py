"""Parsing large answers (search pages) without paying Python's cyclic GC for them.

A page of 10,000 nested accounts is ~10^6 dicts and lists. With the collector on, every few hundred
allocations start a collection that walks all of them (measured: a 0.15 s parse took 1.4 s). Parsing with the
collector paused fixes the parse, but the page then sits in the youngest generation, and the first allocation
after it walks the whole page once more (~0.2 s a page, a third of a 1M-account read). So after parsing, the
page is also frozen (``gc.freeze``): moved out of the generations the collector scans. Frozen objects are still
freed by reference counting as soon as the flow drops them; JSON is acyclic, so nothing is lost.

``gc.freeze`` freezes every tracked object, not only the page, so anything cyclic that becomes garbage while
frozen waits: the next large parse (and ``release``, called when a client closes) first unfreezes, moving those
objects back into the oldest generation, where the next full collection takes them. The pause is counted, so
concurrent parsers restore the collector's state exactly once. Small answers (every writer call) are parsed
normally: the trick only pays for itself on big pages.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

from dataflow import jsonio

LARGE = 256 * 1024  # bytes; a search page of a few hundred accounts and up

_lock = threading.Lock()
_pausers = 0
_was_enabled = False
_frozen = False


def parse(content: bytes) -> Any:
    """The JSON of one answer (``jsonio.JSONDecodeError`` when it is not JSON)."""
    if len(content) < LARGE:
        return jsonio.loads(content)
    global _pausers, _was_enabled, _frozen
    with _lock:
        if _pausers == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausers += 1
        if _frozen:
            gc.unfreeze()
            _frozen = False
    try:
        data = jsonio.loads(content)
    finally:
        with _lock:
            gc.freeze()
            _frozen = True
            _pausers -= 1
            if _pausers == 0 and _was_enabled:
                gc.enable()
    return data


def release() -> None:
    """Hand frozen objects back to the collector (a client closing: no page of its own is in use any more)."""
    global _frozen
    with _lock:
        if _frozen and _pausers == 0:
            gc.unfreeze()
            _frozen = False
