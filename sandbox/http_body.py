"""Reading a request body the way every sandbox's HTTP handler needs: by ``Content-Length`` or chunked."""

from __future__ import annotations

from email.message import Message
from typing import BinaryIO


def read_body(rfile: BinaryIO, headers: Message, limit: int) -> bytes:
    """The whole body; ``ValueError`` when a declared length is over ``limit``."""
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        chunks = []
        while True:
            size = int(rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(rfile.read(size))
            rfile.readline()
    length = int(headers.get("Content-Length") or 0)
    if length > limit:
        raise ValueError("request body too large")
    return rfile.read(length) if length > 0 else b""
