"""The peak memory of this process, measured so that a parent's memory does not count.

``getrusage(RUSAGE_SELF).ru_maxrss`` is not that: Linux carries the high-water mark across ``exec``, and a child
forked from a big parent (a pytest session, say) starts with the parent's pages mapped, so a fresh interpreter
reports its parent's peak. ``VmHWM`` in ``/proc/self/status`` belongs to the current address space, which
``exec`` replaces.
"""

from __future__ import annotations

import resource
from pathlib import Path

_STATUS = Path("/proc/self/status")


def peak_rss_kib() -> int:
    """This process's peak resident set size since its last ``exec``, in KiB."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # elsewhere: the best there is
