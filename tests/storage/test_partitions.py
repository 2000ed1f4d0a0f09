"""Every file store's reader splits into one partition per file (the Dask executor's unit of work): reading each
partition alone gives the files one whole read gives, in the same order, each once."""

from __future__ import annotations

from pathlib import Path

from dataflow.testing import build_component, read_all
from tests.storage.stores import Store
from tests.storage.test_stores import read, store  # noqa: F401 - the parametrized store fixture


def test_a_read_splits_into_one_partition_per_file(store: Store, tmp_path: Path) -> None:  # noqa: F811
    area = store.area()
    for name in ("c.csv", "a.csv", "b.csv", "skip.txt"):
        store.put(area, name, f"content of {name}".encode())
    params = store.params(area, fileNameRegex=".*\\.csv", sortBy="name")
    whole = read(store, params, tmp_path / "whole")
    planner = build_component(store.read_type, params, tmp_path / "plan")
    parts = planner.partitions()
    planner.close()
    assert [part.name for part in parts] == ["a.csv", "b.csv", "c.csv"]
    pieces = []
    for number, part in enumerate(parts):
        reader = build_component(store.read_type, params, tmp_path / f"part{number}")
        reader.partition = part
        pieces.extend(read_all(reader))
    assert [f.name for f in pieces] == [f.name for f in whole] == ["a.csv", "b.csv", "c.csv"]
    assert [f.path.read_bytes() for f in pieces] == [f.path.read_bytes() for f in whole]
