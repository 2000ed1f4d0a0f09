"""A 2 GiB object goes up and comes back through each file store's writer and reader without ever sitting in
memory: the transfer runs in a fresh interpreter whose peak RSS must stay a small fraction of the object (the
writers stream parts, at most ``maxConnections`` of them in memory; the readers stream into a file).

Marked slow (about two minutes on two cores): ``pytest -m slow tests/storage``. ``DATAFLOW_LARGE_OBJECT_MB`` sets
the size (default 2048).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.storage.stores import STEP_TYPES, Store

pytestmark = pytest.mark.slow

SIZE_MB = int(os.environ.get("DATAFLOW_LARGE_OBJECT_MB", "2048"))
PEAK_RSS_LIMIT_MB = 512  # the process, imports included; a buffered object would need SIZE_MB more
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["s3", "azure", "ftp"])
def store(request: pytest.FixtureRequest) -> Store:
    return Store(request.param, request.getfixturevalue(request.param), *STEP_TYPES[request.param])


def big_file(path: Path, megabytes: int) -> str:
    """``megabytes`` MiB, each MiB different (its index in front of one random block); returns the SHA-256."""
    block = os.urandom(1 << 20)
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for index in range(megabytes):
            chunk = index.to_bytes(8, "big") + block[8:]
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def test_a_2_gib_object_round_trips_in_bounded_memory(store: Store, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    expected = big_file(source, SIZE_MB)
    area = store.area()
    command = [
        sys.executable, "-m", "tests.storage.large_transfer", store.write_type, store.read_type,
        json.dumps(store.params(area)), str(source), str(tmp_path / "work"),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["size"] == SIZE_MB << 20 and outcome["sha256"] == expected
    assert store.names(area) == ["big.bin"]  # one object under its final name, nothing left beside it
    assert outcome["peakRssMiB"] < PEAK_RSS_LIMIT_MB, outcome
    print(f"{store.name}: {SIZE_MB} MiB round trip, peak RSS {outcome['peakRssMiB']:.0f} MiB")
