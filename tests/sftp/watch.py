"""What a consumer watching a directory sees: Linux inotify events by file name, read after the fact.

Used to prove that an upload via a temporary name never creates or writes its final name: the final name
must show up only as the target of a rename (``moved_to``).
"""

from __future__ import annotations

import ctypes
import os
import struct
from pathlib import Path

FLAGS = {
    0x002: "modify",
    0x008: "close_write",
    0x040: "moved_from",
    0x080: "moved_to",
    0x100: "create",
    0x200: "delete",
}
_MASK = sum(FLAGS)
_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len


class DirectoryEvents:
    """Records create/modify/rename/delete events in one directory until ``events()`` drains them."""

    def __init__(self, directory: Path) -> None:
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        if self._libc.inotify_add_watch(self._fd, os.fsencode(directory), _MASK) < 0:
            os.close(self._fd)
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {directory} failed")

    def events(self) -> list[tuple[str, str]]:
        """(event, file name) in the order they happened, since the last call."""
        found: list[tuple[str, str]] = []
        while True:
            try:
                data = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                return found
            offset = 0
            while offset < len(data):
                _, mask, _, length = _HEADER.unpack_from(data, offset)
                raw = data[offset + _HEADER.size : offset + _HEADER.size + length]
                name = raw.rstrip(b"\0").decode(errors="replace")
                offset += _HEADER.size + length
                for bit, label in FLAGS.items():
                    if mask & bit:
                        found.append((label, name))

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> DirectoryEvents:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
