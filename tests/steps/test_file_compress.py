"""gzip and zip: round trips, the command-line tools reading what we write (and us reading theirs), guards."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from dataflow.files import FileRef
from dataflow.testing import build_component, drive
from tests.steps.file_steps import left_in_work, make, run

needs_tools = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("gzip", "zip", "unzip")), reason="gzip, zip and unzip are needed"
)


CSV = b"UID,EMAIL\n" + b"".join(b"u%d,user%d@example.com\n" % (n, n) for n in range(20_000))


# gzip -------------------------------------------------------------------------------------------------------


@needs_tools
def test_gzip_round_trip_and_the_gzip_tool_reads_it(tmp_path: Path) -> None:
    source = make(tmp_path, "export.csv", CSV)
    (packed,), rejected, _ = run(tmp_path, "file.compress.gzip", [source])
    assert rejected == [] and packed.name == "export.csv.gz" and packed.size < len(CSV) // 3
    assert subprocess.run(["gzip", "-dc", str(packed.path)], capture_output=True, check=True).stdout == CSV
    listing = subprocess.run(["gzip", "-lN", str(packed.path)], capture_output=True, check=True, text=True).stdout
    assert "export.csv" in listing  # the header keeps the original name (for gunzip -N)
    (unpacked,), rejected, _ = run(tmp_path, "file.uncompress.gzip", [packed])
    assert rejected == [] and unpacked.name == "export.csv" and unpacked.path.read_bytes() == CSV


@needs_tools
def test_uncompress_what_the_gzip_tool_wrote(tmp_path: Path) -> None:
    source = make(tmp_path, "data.tsv", CSV)
    subprocess.run(["gzip", "-9", str(source.path)], check=True)
    packed = FileRef.of(source.path.with_name("data.tsv.gz"))
    tarball = make(tmp_path, "bundle.tgz", gzip.compress(b"tar bytes"))
    odd = make(tmp_path, "noext", gzip.compress(b"x"))
    emitted, rejected, _ = run(tmp_path, "file.uncompress.gzip", [packed, tarball, odd])
    assert rejected == []
    assert [(f.name, f.path.read_bytes()[:9]) for f in emitted] == [
        ("data.tsv", CSV[:9]),
        ("bundle.tar", b"tar bytes"),
        ("noext", b"x"),
    ]


def test_gzip_level_and_multi_member_files(tmp_path: Path) -> None:
    source = make(tmp_path, "a.csv", CSV)
    (fast,), _, _ = run(tmp_path, "file.compress.gzip", [source], compressionLevel=1)
    (small,), _, _ = run(tmp_path, "file.compress.gzip", [source], compressionLevel=9)
    assert small.size < fast.size
    joined = make(tmp_path, "joined.gz", gzip.compress(b"one\n") + gzip.compress(b"two\n"))
    (unpacked,), _, _ = run(tmp_path, "file.uncompress.gzip", [joined])
    assert unpacked.path.read_bytes() == b"one\ntwo\n"


def test_gzip_failures_are_rejected_and_leave_nothing(tmp_path: Path) -> None:
    whole = gzip.compress(CSV)
    truncated = make(tmp_path, "cut.csv.gz", whole[: len(whole) // 2])
    flipped = bytearray(whole)
    flipped[len(whole) // 2] ^= 0xFF
    corrupt = make(tmp_path, "bad.csv.gz", bytes(flipped))
    plain = make(tmp_path, "plain.csv.gz", b"UID\nu1\n")
    good = make(tmp_path, "good.csv.gz", gzip.compress(b"ok"))
    emitted, rejected, component = run(tmp_path, "file.uncompress.gzip", [truncated, corrupt, plain, good])
    assert [f.name for f in emitted] == ["good.csv"]
    assert [(item.name, message.split(":")[0:2]) for item, message, _ in rejected] == [
        ("cut.csv.gz", ["cut.csv.gz", " corrupt gzip data"]),
        ("bad.csv.gz", ["bad.csv.gz", " corrupt gzip data"]),
        ("plain.csv.gz", ["plain.csv.gz", " not a gzip file"]),
    ]
    assert (component.counters.in_, component.counters.out, component.counters.errors) == (4, 1, 3)
    assert left_in_work(tmp_path) == ["good.csv"]


def test_gzip_pass_through_uncompressed(tmp_path: Path) -> None:
    plain = make(tmp_path, "plain.csv", b"UID\nu1\n")
    emitted, rejected, _ = run(tmp_path, "file.uncompress.gzip", [plain], passThroughUncompressed=True)
    assert rejected == [] and emitted == [plain]


def test_gzip_bomb_stops_at_the_size_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "in" / "bomb.gz"
    bomb.parent.mkdir()
    with gzip.open(bomb, "wb", compresslevel=9) as handle:
        for _ in range(12):
            handle.write(bytes(1024 * 1024))  # 12 MB of zeros, a few kB packed
    emitted, rejected, _ = run(tmp_path, "file.uncompress.gzip", [FileRef.of(bomb)], maxUncompressedSize=5)
    assert emitted == []
    assert rejected[0][1] == "bomb.gz: unpacks to more than maxUncompressedSize (5 MB); nothing extracted"
    assert left_in_work(tmp_path) == []


# zip --------------------------------------------------------------------------------------------------------


@needs_tools
def test_zip_one_archive_per_file_and_unzip_reads_it(tmp_path: Path) -> None:
    first = make(tmp_path, "a.csv", CSV)
    second = make(tmp_path, "b.json", b'[{"a": 1}]\n')
    emitted, rejected, _ = run(tmp_path, "file.compress.zip", [first, second])
    assert rejected == [] and [f.name for f in emitted] == ["a.csv.zip", "b.json.zip"]
    assert subprocess.run(["unzip", "-p", str(emitted[0].path), "a.csv"], capture_output=True, check=True).stdout == CSV
    listing = subprocess.run(["unzip", "-Z1", str(emitted[1].path)], capture_output=True, check=True, text=True)
    assert listing.stdout.split() == ["b.json"]
    (back,), rejected, _ = run(tmp_path, "file.uncompress.zip", [emitted[0]])
    assert rejected == [] and back.name == "a.csv" and back.path.read_bytes() == CSV


@needs_tools
def test_zip_one_archive_for_all_files(tmp_path: Path) -> None:
    files = [make(tmp_path, "a.csv", CSV), make(tmp_path, "b.csv", b"x\n")]
    clash = make(tmp_path, "other/a.csv", b"clash\n")
    duplicate = FileRef.of(clash.path, "other/a.csv")  # a different file travelling under the same base name
    params = {"fileName": "export_${jobId}.zip"}
    component = build_component("file.compress.zip", params, tmp_path / "work", job_id="J")
    emitted, rejected = drive(component, [files[:1], [files[1], duplicate]])
    assert [f.name for f in emitted] == ["export_J.zip"]
    assert [message for _, message, _ in rejected] == ["other/a.csv: a file named 'a.csv' is already in export_J.zip"]
    counters = component.counters
    assert (counters.in_, counters.out, counters.errors, counters.files_in, counters.files_out) == (3, 2, 1, 3, 1)
    assert counters.reconciles()
    listing = subprocess.run(["unzip", "-Z1", str(emitted[0].path)], capture_output=True, check=True, text=True)
    assert listing.stdout.split() == ["a.csv", "b.csv"]
    assert subprocess.run(["unzip", "-tq", str(emitted[0].path)], capture_output=True).returncode == 0
    # nothing arrived: no archive
    component = build_component("file.compress.zip", {"fileName": "none.zip"}, tmp_path / "work2")
    assert drive(component, [[]]) == ([], [])


@needs_tools
def test_uncompress_what_the_zip_tool_wrote(tmp_path: Path) -> None:
    folder = tmp_path / "src"
    (folder / "reports").mkdir(parents=True)
    (folder / "top.csv").write_bytes(CSV)
    (folder / "reports" / "inner.csv").write_bytes(b"a,b\n1,2\n")
    subprocess.run(["zip", "-qr", str(tmp_path / "in.zip"), "top.csv", "reports"], cwd=folder, check=True)
    emitted, rejected, _ = run(tmp_path, "file.uncompress.zip", [FileRef.of(tmp_path / "in.zip")])
    assert rejected == []
    assert sorted((f.name, f.size) for f in emitted) == [("inner.csv", 8), ("top.csv", len(CSV))]
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    assert run(tmp_path, "file.uncompress.zip", [FileRef.of(empty)])[:2] == ([], [])


@pytest.mark.parametrize("evil", ["../escape.csv", "a/../../escape.csv", "/etc/cron.d/x", "..\\escape.csv", "C:x.csv"])
def test_zip_path_traversal_fails_the_whole_archive(tmp_path: Path, evil: str) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("fine.csv", "ok\n")
        handle.writestr(evil, "pwned\n")
    emitted, rejected, _ = run(tmp_path, "file.uncompress.zip", [FileRef.of(archive)])
    assert emitted == []
    assert rejected[0][1] == (
        f"evil.zip: member {evil!r} would land outside the target (absolute path or '..'); nothing extracted"
    )
    assert left_in_work(tmp_path) == []
    assert not (tmp_path / "escape.csv").exists()


def test_zip_bomb_declared_and_lying_sizes(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as handle:
        for n in range(3):
            handle.writestr(f"zeros{n}.bin", bytes(3 * 1024 * 1024))
    emitted, rejected, _ = run(tmp_path, "file.uncompress.zip", [FileRef.of(archive)], maxUncompressedSize=8)
    assert emitted == [] and "unpacks to more than maxUncompressedSize (8 MB)" in rejected[0][1]
    assert left_in_work(tmp_path) == []
    # an archive that declares less than it holds: never more than the declared bytes come out, and it fails
    data = bytearray(archive.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = (1024).to_bytes(4, "little")  # uncompressed size of the first member
    liar = tmp_path / "liar.zip"
    liar.write_bytes(bytes(data))
    emitted, rejected, _ = run(tmp_path, "file.uncompress.zip", [FileRef.of(liar)], maxUncompressedSize=8)
    assert emitted == [] and rejected[0][1].startswith("liar.zip: cannot unzip:")
    assert left_in_work(tmp_path) == []


def test_zip_failures_are_rejected(tmp_path: Path) -> None:
    archive = tmp_path / "in.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("a.csv", CSV)
    data = bytearray(archive.read_bytes())
    data[100] ^= 0xFF  # inside the compressed data
    corrupt = make(tmp_path, "corrupt.zip", bytes(data))
    plain = make(tmp_path, "plain.zip", b"UID\nu1\n")
    emitted, rejected, _ = run(tmp_path, "file.uncompress.zip", [corrupt, plain])
    assert emitted == []
    assert rejected[0][1].startswith("corrupt.zip: cannot unzip:")
    assert rejected[1][1] == "plain.zip: not a zip archive"
    emitted, rejected, _ = run(tmp_path, "file.uncompress.zip", [plain], passThroughUncompressed=True)
    assert emitted == [plain] and rejected == []


@needs_tools
def test_zip_password_protected_members_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "secret.csv").write_bytes(b"a\n1\n")
    subprocess.run(["zip", "-q", "-P", "pw", "locked.zip", "secret.csv"], cwd=tmp_path, check=True)
    emitted, rejected, _ = run(tmp_path, "file.uncompress.zip", [FileRef.of(tmp_path / "locked.zip")])
    assert emitted == []
    assert rejected[0][1] == "locked.zip: member 'secret.csv' is password-protected; nothing extracted"


def test_compress_streams_large_files(tmp_path: Path) -> None:
    """A 64 MB file goes through in 1 MB chunks: nothing near its size is held in memory."""
    import tracemalloc

    big = tmp_path / "in" / "big.bin"
    big.parent.mkdir()
    with big.open("wb") as handle:
        for _ in range(64):
            handle.write(os.urandom(1024 * 1024))
    tracemalloc.start()
    try:
        (packed,), _, _ = run(tmp_path, "file.compress.gzip", [FileRef.of(big)], compressionLevel=1)
        (unpacked,), _, _ = run(tmp_path, "file.uncompress.gzip", [packed])
        (zipped,), _, _ = run(tmp_path, "file.compress.zip", [FileRef.of(big)], compressionLevel=1)
        (unzipped,), _, _ = run(tmp_path, "file.uncompress.zip", [zipped])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak
    assert unpacked.size == unzipped.size == 64 * 1024 * 1024
