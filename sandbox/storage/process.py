"""A server run as a child process on a port it picks itself: started, waited for, drained and stopped.

moto's server and azurite both print the address they listen on once they are ready; :class:`ServerProcess`
reads that line (so the port can be 0 and never clashes with another test run), keeps draining the rest of the
output so the child never blocks on a full pipe, and stops the child (and only it) at the end.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any


class StandIn:
    """A stand-in server used as ``with Server() as server:``: started on entry, stopped on exit."""

    def start(self) -> Any:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ServerUnavailable(RuntimeError):
    """The server could not be started; the message says what to install or where to look."""


class ServerProcess:
    def __init__(self, name: str, command: Sequence[str], ready: str, environ: dict[str, str] | None = None) -> None:
        self.name = name
        self.command = list(command)
        self.ready = re.compile(ready)  # its first group is the URL the server listens on
        self.environ = {**os.environ, **(environ or {})}
        self.url = ""
        self.output: deque[str] = deque(maxlen=200)
        self._process: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None

    def start(self, timeout: float = 60.0) -> str:
        try:
            self._process = subprocess.Popen(
                self.command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.environ,
                text=True,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        except OSError as problem:
            raise ServerUnavailable(f"cannot start {self.name} ({self.command[0]}): {problem.strerror}") from None
        found = threading.Event()
        self._drain = threading.Thread(target=self._read, args=(found,), name=f"{self.name}-output", daemon=True)
        self._drain.start()
        if not found.wait(timeout) or not self.url:
            self.stop()
            shown = "\n".join(list(self.output)[-20:])
            raise ServerUnavailable(f"{self.name} did not start within {timeout:g} s:\n{shown}")
        return self.url

    def _read(self, found: threading.Event) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self.output.append(line.rstrip())
            if not self.url and (match := self.ready.search(line)):
                self.url = match.group(1)
                found.set()
        found.set()  # the process ended (without the line, if url is still empty)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()  # a stand-in's state is scratch: a short grace period, then it is killed
            try:
                process.wait(0.5)  # open keep-alive connections hold a graceful exit back
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if self._drain is not None:
            self._drain.join(5)


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to end it when its parent dies, so that a test run killed hard never
    leaves a stand-in server running (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)
