"""LZO files both ways against the real ``lzop`` tool: what we write ``lzop -d`` reads (and ``lzop -t`` finds
sound), what ``lzop`` writes at any level we read; the index lists each block's offset; corrupt, truncated and
foreign files fail with a reason and leave nothing behind."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from dataflow.files import FileRef
from dataflow.testing import run_spliced
from steps.file.lzop import BLOCK_SIZE, MAGIC, read_header
from tests.steps.file_steps import left_in_work, make, run

LZOP = shutil.which("lzop")
pytestmark = pytest.mark.skipif(LZOP is None, reason="the lzop tool is not installed (apt-get install lzop)")

TEXT = b"".join(b"u%d,user%d@example.com,Name %d,f,%d\n" % (i, i, i, i % 90) for i in range(30_000))
MIXED = TEXT + os.urandom(300_000) + TEXT[:1000]  # compressible, incompressible (stored) and a short last block


COMPRESSORS = ["lzop", "builtin"]  # the program (what auto picks when it is installed) and lzokay in-process


@pytest.mark.parametrize("compressor", COMPRESSORS)
@pytest.mark.parametrize("data", [b"", b"x", TEXT, MIXED], ids=["empty", "one-byte", "text", "mixed"])
def test_what_we_write_lzop_reads(tmp_path: Path, data: bytes, compressor: str) -> None:
    source = make(tmp_path, "accounts.csv", data)
    [lzo], rejected, _ = run(tmp_path, "file.compress.lzo", [source], compressor=compressor)
    assert rejected == [] and lzo.name == "accounts.csv.lzo"
    subprocess.run([LZOP, "-t", str(lzo.path)], check=True, capture_output=True)
    out = tmp_path / "unpacked"
    out.mkdir()
    subprocess.run([LZOP, "-d", "-N", "-p" + str(out), str(lzo.path)], check=True, capture_output=True)
    assert (out / "accounts.csv").read_bytes() == data  # -N: the name stored in the header
    if len(data) > 10_000:
        assert lzo.size < len(data)


@pytest.mark.parametrize("level", ["-1", "-3", "-7", "-9"])
@pytest.mark.parametrize("checksums", [[], ["--crc32"]], ids=["adler32", "crc32"])
def test_what_lzop_writes_we_read(tmp_path: Path, level: str, checksums: list[str]) -> None:
    source = tmp_path / "in" / "export.csv"
    source.parent.mkdir()
    source.write_bytes(MIXED)
    subprocess.run([LZOP, level, *checksums, str(source)], check=True, capture_output=True)
    packed = make(tmp_path, "export.csv.lzo", (tmp_path / "in" / "export.csv.lzo").read_bytes())
    [plain], rejected, _ = run(tmp_path, "file.uncompress.lzo", [packed])
    assert rejected == []
    assert plain.name == "export.csv" and plain.path.read_bytes() == MIXED


@pytest.mark.parametrize("compressor", COMPRESSORS)
def test_round_trip_through_both_steps(tmp_path: Path, compressor: str) -> None:
    [lzo], _, _ = run(tmp_path / "a", "file.compress.lzo", [make(tmp_path, "a.csv", MIXED)], compressor=compressor)
    [back], _, _ = run(tmp_path / "b", "file.uncompress.lzo", [lzo])
    assert back.path.read_bytes() == MIXED


@pytest.mark.parametrize("compressor", COMPRESSORS)
def test_the_index_lists_every_block_offset(tmp_path: Path, compressor: str) -> None:
    data = TEXT * 3 + os.urandom(BLOCK_SIZE)  # several 256 KiB blocks, the last one stored as it is
    source = make(tmp_path, "k.csv", data)
    emitted, _, component = run(tmp_path, "file.compress.lzo", [source], createIndexFile=True, compressor=compressor)
    lzo, index = emitted
    assert [lzo.name, index.name] == ["k.csv.lzo", "k.csv.lzo.index"]
    assert component.counters.files_out == 2
    offsets = [value for (value,) in struct.iter_unpack(">q", index.path.read_bytes())]
    blob = lzo.path.read_bytes()
    assert len(offsets) == -(-len(data) // BLOCK_SIZE)
    for number, offset in enumerate(offsets):  # each offset is a block header: its uncompressed length
        (size,) = struct.unpack(">I", blob[offset : offset + 4])
        assert size == min(BLOCK_SIZE, len(data) - number * BLOCK_SIZE)


def test_auto_uses_the_lzop_program_when_installed_and_the_builtin_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, with_program = run(tmp_path / "a", "file.compress.lzo", [make(tmp_path, "a.csv", TEXT)])
    assert with_program._lzop == LZOP
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    [lzo], _, without = run(tmp_path / "b", "file.compress.lzo", [make(tmp_path, "b.csv", TEXT)])
    assert without._lzop is None
    with open(lzo.path, "rb") as written:
        assert read_header(written).method == 3  # LZO1X-999: lzokay's, where lzop -3 writes method 1 or 2
    [back], _, _ = run(tmp_path / "c", "file.uncompress.lzo", [lzo])
    assert back.path.read_bytes() == TEXT


def test_compressor_lzop_without_the_program_fails_the_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = make(tmp_path, "a.csv", TEXT)
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    flow = {
        "name": "lzo",
        "steps": [
            {"id": "given", "type": "testing.files", "params": {"paths": [str(source.path)]}, "next": ["pack"]},
            {"id": "pack", "type": "file.compress.lzo", "params": {"compressor": "lzop"}},
        ],
    }
    status = run_spliced(flow, {}, tmp_path / "jobs")
    assert status["status"] == "failed"
    assert "step 'pack'" in status["errorMessage"]
    assert "param 'compressor' is lzop, but the lzop program is not on PATH" in status["errorMessage"]


def test_a_file_whose_path_has_another_name_still_unpacks(tmp_path: Path) -> None:
    """lzop names the file it reads in the header; a work file under another name goes through stdin instead."""
    stored = make(tmp_path, "part-0001.tmp", MIXED)
    renamed = FileRef(name="accounts.csv", path=stored.path, size=stored.size)
    [lzo], _, _ = run(tmp_path, "file.compress.lzo", [renamed], compressor="lzop")
    assert lzo.name == "accounts.csv.lzo"
    unpacked = subprocess.run([LZOP, "-d", "-c", str(lzo.path)], check=True, capture_output=True).stdout
    assert unpacked == MIXED


def test_corrupt_and_truncated_files_fail_with_a_reason(tmp_path: Path) -> None:
    [lzo], _, _ = run(tmp_path / "a", "file.compress.lzo", [make(tmp_path, "a.csv", TEXT)])
    blob = bytearray(lzo.path.read_bytes())
    blob[200] ^= 0xFF
    flipped = make(tmp_path, "flipped.csv.lzo", bytes(blob))
    cut = make(tmp_path, "cut.csv.lzo", lzo.path.read_bytes()[:5000])
    header = bytearray(lzo.path.read_bytes())
    header[12] ^= 0x01
    bad_header = make(tmp_path, "header.csv.lzo", bytes(header))
    emitted, rejected, _ = run(tmp_path / "b", "file.uncompress.lzo", [flipped, cut, bad_header])
    assert emitted == []
    reasons = [message for _, message, _ in rejected]
    assert reasons[0].startswith("flipped.csv.lzo: block 1 is corrupt")
    assert reasons[1] == "cut.csv.lzo: the file ends inside the block 1: truncated"
    assert reasons[2] == "header.csv.lzo: the lzop header is corrupt (checksum mismatch)"
    assert left_in_work(tmp_path / "b") == []


def test_not_an_lzop_file_fails_or_passes_through(tmp_path: Path) -> None:
    plain = make(tmp_path, "plain.csv", b"UID\nu1\n")
    _, rejected, _ = run(tmp_path / "a", "file.uncompress.lzo", [plain])
    assert [message for _, message, _ in rejected] == ["plain.csv: not an lzop file"]
    emitted, rejected, _ = run(tmp_path / "b", "file.uncompress.lzo", [plain], passThroughUncompressed=True)
    assert emitted == [plain] and rejected == []


def test_the_size_cap_stops_a_bomb(tmp_path: Path) -> None:
    zeros = tmp_path / "in" / "zeros"
    zeros.parent.mkdir()
    zeros.write_bytes(bytes(3 * 1024 * 1024))
    subprocess.run([LZOP, "-9", str(zeros)], check=True, capture_output=True)
    bomb = make(tmp_path, "zeros.lzo", (tmp_path / "in" / "zeros.lzo").read_bytes())
    assert bomb.path.read_bytes().startswith(MAGIC)
    _, rejected, _ = run(tmp_path / "w", "file.uncompress.lzo", [bomb], maxUncompressedSize=1)
    assert "unpacks to more than maxUncompressedSize (1 MB)" in rejected[0][1]
    assert left_in_work(tmp_path / "w") == []
