"""The one rule every file writer applies to the name a file travels under: its last component only.

A formatter's ``fileName`` comes from a flow and an archive member's or a listed file's name from outside, so a
name may hold ``../``, an absolute path or a Windows path. Writers keep the last component, splitting on both
``/`` and ``\\`` (a Windows server, or a Windows reader of a local share, takes a backslash for a separator),
and refuse what names no file of its own: nothing, ``.``, ``..`` or a control character.
"""

from __future__ import annotations

import re

from dataflow.errors import RecordError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def base_name(name: str, where: str) -> str:
    """The last component of ``name``; a ``RecordError`` saying it ``cannot be used <where>`` when there is none."""
    base = re.split(r"[/\\]", name)[-1]
    if base in ("", ".", "..") or _CONTROL.search(base):
        raise RecordError(f"file name {name!r} cannot be used {where}", fileName=name)
    return base
