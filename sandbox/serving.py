"""Serving sandboxes in the foreground: print each one's connection line, wait for SIGINT/SIGTERM, stop them."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any


def serve_until_signal(lines: list[dict[str, Any]], stop_all: Callable[[], None]) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for line in lines:
            print(json.dumps(line), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
