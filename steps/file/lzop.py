"""The lzop file container around LZO1X blocks, written and read in streams.

Why this module exists: Python has LZO1X codecs (we use lzokay, which ships wheels and needs no system library),
but no kept library that writes the container the ``lzop`` tool and Hadoop's LzopCodec read. The container is
small and documented by lzop's sources, so it is written here on top of the codec:

- a 9-byte magic, then a header: lzop version, LZO library version, version needed to extract, method, level,
  flags, file mode, modification time, the original name, and an Adler-32 of the header;
- blocks of at most 256 KiB of input: uncompressed length, compressed length, an Adler-32 of the uncompressed
  bytes, then the LZO1X data (or the bytes as they are, when compressing would not make them smaller);
- a zero length ends the file.

``write_lzop`` writes what lzop 1.04 writes (method LZO1X-999, ``F_ADLER32_D``) and returns where each block
starts: hadoop-lzo's ``.lzo.index`` is exactly those offsets as 8-byte big-endian numbers, which lets Hadoop
(and Salesforce DMP, which asks for it with Krux files) split the file. ``read_lzop`` reads any single-member
lzop file with LZO1X methods 1-3 and every checksum flag, checking each checksum it finds.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import lzokay

MAGIC = b"\x89LZO\x00\r\n\x1a\n"
BLOCK_SIZE = 256 * 1024
MAX_BLOCK_SIZE = 64 * 1024 * 1024  # lzop refuses larger blocks: a corrupt length must not allocate gigabytes

LZOP_VERSION = 0x1040
LIBRARY_VERSION = 0x20A0
NEEDED_VERSION = 0x0940
M_LZO1X_999 = 3
LZO1X_METHODS = {1, 2, 3}  # LZO1X-1, LZO1X-1(15), LZO1X-999: one decompressor for all

F_ADLER32_D = 0x0001
F_ADLER32_C = 0x0002
F_H_EXTRA_FIELD = 0x0040
F_CRC32_D = 0x0100
F_CRC32_C = 0x0200
F_MULTIPART = 0x0400
F_H_FILTER = 0x0800
F_H_CRC32 = 0x1000
F_OS_UNIX = 0x03000000


class LzopError(ValueError):
    """Not an lzop file, an unsupported variant, or corrupt data; the message says which and where."""


@dataclass(frozen=True)
class LzopHeader:
    name: str
    mtime: int
    method: int
    flags: int


def write_lzop(source: IO[bytes], target: IO[bytes], name: str, mtime: int, mode: int = 0o100644) -> list[int]:
    """Compress ``source`` into ``target`` as an lzop file; returns the offset of each block (for an index)."""
    encoded = name.encode("utf-8")[:255]
    flags = F_OS_UNIX | F_ADLER32_D
    header = (
        struct.pack(
            ">HHHBBIIIIB",
            LZOP_VERSION,
            LIBRARY_VERSION,
            NEEDED_VERSION,
            M_LZO1X_999,
            9,
            flags,
            mode,
            mtime & 0xFFFFFFFF,
            mtime >> 32,
            len(encoded),
        )
        + encoded
    )
    target.write(MAGIC + header + struct.pack(">I", zlib.adler32(header)))
    offset = len(MAGIC) + len(header) + 4
    starts: list[int] = []
    while block := source.read(BLOCK_SIZE):
        packed = lzokay.compress(block)
        data = packed if len(packed) < len(block) else block  # incompressible: stored as it is
        target.write(struct.pack(">III", len(block), len(data), zlib.adler32(block)) + data)
        starts.append(offset)
        offset += 12 + len(data)
    target.write(b"\x00\x00\x00\x00")
    return starts


def read_header(source: IO[bytes]) -> LzopHeader:
    if source.read(len(MAGIC)) != MAGIC:
        raise LzopError("not an lzop file (no lzop magic)")
    raw = _exactly(source, 6, "header")
    version, _library, needed = struct.unpack(">HHH", raw)
    if version < 0x0940:
        raise LzopError(f"lzop format version {version:#06x} is too old (before 0.94)")
    if needed > LZOP_VERSION:
        raise LzopError(f"the file needs lzop {needed:#06x} or later to extract")
    rest = _exactly(source, 2 + 4, "header")
    method, _level, flags = struct.unpack(">BBI", rest)
    raw += rest
    if method not in LZO1X_METHODS:
        raise LzopError(f"compression method {method} is not LZO1X (only methods 1, 2 and 3 are supported)")
    if flags & (F_H_FILTER | F_MULTIPART):
        raise LzopError("lzop filters and multi-part files are not supported")
    times = _exactly(source, 12, "header")
    raw += times
    _mode, mtime_low, mtime_high = struct.unpack(">III", times)
    length = _exactly(source, 1, "header")
    name = _exactly(source, length[0], "header")
    raw += length + name
    (checksum,) = struct.unpack(">I", _exactly(source, 4, "header"))
    expected = zlib.crc32(raw) if flags & F_H_CRC32 else zlib.adler32(raw)
    if checksum != expected:
        raise LzopError("the lzop header is corrupt (checksum mismatch)")
    if flags & F_H_EXTRA_FIELD:
        (extra,) = struct.unpack(">I", _exactly(source, 4, "header"))
        _exactly(source, extra + 4, "header")  # the field and its checksum: nothing in it is needed
    return LzopHeader(name.decode("utf-8", "replace"), mtime_low | (mtime_high << 32), method, flags)


def read_blocks(source: IO[bytes], flags: int) -> Iterator[bytes]:
    """The uncompressed blocks after the header, each checked against the checksums the file carries."""
    number = 0
    while True:
        number += 1
        (size,) = struct.unpack(">I", _exactly(source, 4, f"block {number}"))
        if size == 0:
            return
        if size > MAX_BLOCK_SIZE:
            raise LzopError(f"block {number} claims {size:,} bytes: corrupt")
        (packed_size,) = struct.unpack(">I", _exactly(source, 4, f"block {number}"))
        if packed_size > size:
            raise LzopError(f"block {number} is larger compressed than plain: corrupt")
        data_sum = _checksum_field(source, flags, F_ADLER32_D, F_CRC32_D, number)
        packed_sum = _checksum_field(source, flags, F_ADLER32_C, F_CRC32_C, number) if packed_size < size else None
        packed = _exactly(source, packed_size, f"block {number}")
        if packed_sum is not None and packed_sum != _sum(packed, flags & F_CRC32_C):
            raise LzopError(f"block {number} is corrupt (compressed checksum mismatch)")
        if packed_size == size:
            block = packed
        else:
            try:
                block = lzokay.decompress(packed, size)
            except lzokay.LzokayError as problem:
                raise LzopError(f"block {number} is corrupt ({type(problem).__name__})") from None
            if len(block) != size:
                raise LzopError(f"block {number} unpacks to {len(block):,} bytes, not {size:,}: corrupt")
        if data_sum is not None and data_sum != _sum(block, flags & F_CRC32_D):
            raise LzopError(f"block {number} is corrupt (checksum mismatch)")
        yield block


def block_starts(source: IO[bytes]) -> list[int]:
    """Where each block of an lzop file starts (the ``.lzo.index`` of a file another compressor wrote), found by
    walking the block headers without unpacking anything."""
    header = read_header(source)
    starts: list[int] = []
    while True:
        offset = source.tell()
        (size,) = struct.unpack(">I", _exactly(source, 4, f"block {len(starts) + 1}"))
        if size == 0:
            return starts
        (packed_size,) = struct.unpack(">I", _exactly(source, 4, f"block {len(starts) + 1}"))
        fields = bool(header.flags & (F_ADLER32_D | F_CRC32_D))
        if packed_size < size:
            fields += bool(header.flags & (F_ADLER32_C | F_CRC32_C))
        source.seek(4 * fields + packed_size, 1)
        starts.append(offset)


def _checksum_field(source: IO[bytes], flags: int, adler: int, crc: int, number: int) -> int | None:
    if flags & (adler | crc):
        return struct.unpack(">I", _exactly(source, 4, f"block {number}"))[0]
    return None


def _sum(data: bytes, crc: int) -> int:
    return zlib.crc32(data) if crc else zlib.adler32(data)


def _exactly(source: IO[bytes], count: int, where: str) -> bytes:
    data = source.read(count)
    if len(data) != count:
        raise LzopError(f"the file ends inside the {where}: truncated")
    return data
