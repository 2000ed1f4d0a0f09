"""The Azure writer's upload shape, as the SDK chooses it: a file up to ``partSizeMb`` × ``maxConnections`` goes as
one Put Blob (atomic, so no block list), a larger one as ``partSizeMb`` blocks committed at the end."""

from __future__ import annotations

import os
from pathlib import Path

from dataflow.files import FileRef
from dataflow.testing import build_component, drive
from tests.storage.service import AzureStandIn

MB = 1 << 20


def _write(azure: AzureStandIn, container: str, tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    params = azure.params(container, partSizeMb=1, maxConnections=3)
    writer = build_component("datasource.write.azure.blob", params, tmp_path / f"work-{name}")
    written, rejected = drive(writer, [[FileRef.of(path)]])
    assert rejected == [] and [file.name for file in written] == [name]


def test_a_file_up_to_max_connections_blocks_goes_in_one_put_blob(azure: AzureStandIn, tmp_path: Path) -> None:
    container = azure.container()
    data = os.urandom(3 * MB)
    _write(azure, container, tmp_path, "three.bin", data)
    assert azure.get(container, "three.bin") == data
    committed, uncommitted = azure.client(container).get_blob_client("three.bin").get_block_list("all")
    assert (committed, uncommitted) == ([], [])  # a Put Blob: no blocks were staged


def test_a_larger_file_goes_in_blocks_of_part_size(azure: AzureStandIn, tmp_path: Path) -> None:
    container = azure.container()
    data = os.urandom(3 * MB + 1)
    _write(azure, container, tmp_path, "more.bin", data)
    assert azure.get(container, "more.bin") == data
    committed, uncommitted = azure.client(container).get_blob_client("more.bin").get_block_list("all")
    assert [block.size for block in committed] == [MB, MB, MB, 1] and uncommitted == []
