"""Every file store's reader and writer against a real server of its protocol: S3 on moto's server, Azure Blob on
azurite, FTP and explicit FTPS on pyftpdlib. The same rules for all: whole-name regex, sort, delta by
modification time, streaming in parts, names kept inside the target, commit-or-nothing uploads, and a clear job
failure naming the step for wrong credentials, a missing bucket/container/directory or a refused permission."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dataflow.errors import FatalError, JobKilled
from dataflow.files import FileRef
from dataflow.testing import build_component, drive, read_all
from tests.storage.service import FAST
from tests.storage.stores import STEP_TYPES, Store


@pytest.fixture(params=["s3", "azure", "ftp", "ftps"])
def store(request: pytest.FixtureRequest) -> Store:
    return Store(request.param, request.getfixturevalue(request.param), *STEP_TYPES[request.param])


def read(store: Store, params: dict[str, Any], work: Path, **job: Any) -> list[FileRef]:
    return read_all(build_component(store.read_type, params, work, **job))


def write(store: Store, params: dict[str, Any], files: list[FileRef], work: Path, **job: Any) -> tuple[list, list]:
    return drive(build_component(store.write_type, params, work, **job), [files])


def local_file(tmp_path: Path, name: str, data: bytes) -> FileRef:
    path = tmp_path / "out" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return FileRef.of(path, name)


def test_read_selects_by_whole_name_and_sorts(store: Store, tmp_path: Path) -> None:
    area = store.area()
    for name in ("b.csv", "a.csv", "c.csv.bak", "notes.txt", "xa.csv"):
        store.put(area, name, f"content of {name}".encode())
    params = store.params(area, fileNameRegex="[a-c]\\.csv", sortBy="name", sortOrder="DESC")
    files = read(store, params, tmp_path / "work")
    assert [file.name for file in files] == ["b.csv", "a.csv"]  # xa.csv and c.csv.bak do not match whole
    assert [file.path.read_bytes() for file in files] == [b"content of b.csv", b"content of a.csv"]
    assert all(file.size == file.path.stat().st_size for file in files)


def test_read_by_time_oldest_first(store: Store, tmp_path: Path) -> None:
    area = store.area()
    if store.sets_mtime:
        store.put(area, "new.csv", b"2", mtime=2_000_000_000)
        store.put(area, "old.csv", b"1", mtime=1_000_000_000)
    else:
        store.put(area, "old.csv", b"1")
        time.sleep(1.05)  # S3 and Azure stamp the upload time, to the second
        store.put(area, "new.csv", b"2")
    files = read(store, store.params(area, sortBy="time"), tmp_path / "work")
    assert [file.name for file in files] == ["old.csv", "new.csv"]


def test_delta_reads_files_changed_since_the_window_unless_full_extract(store: Store, tmp_path: Path) -> None:
    area = store.area()
    if store.sets_mtime:
        store.put(area, "before.csv", b"old", mtime=1_700_000_000)
        store.put(area, "boundary.csv", b"same second", mtime=1_700_000_100)
        store.put(area, "after.csv", b"new", mtime=1_700_000_200)
        since = datetime.fromtimestamp(1_700_000_100.6, UTC)  # the window starts inside boundary.csv's second
        expected = ["after.csv", "boundary.csv"]
    else:
        store.put(area, "before.csv", b"old")
        time.sleep(1.05)
        since = datetime.now(UTC)
        store.put(area, "after.csv", b"new")
        expected = ["after.csv"]
    params = store.params(area, sortBy="name")
    delta = read(store, params, tmp_path / "delta", delta_since=since)
    assert [file.name for file in delta] == expected
    full = read(store, params, tmp_path / "full", delta_since=since, full_extract=True)
    assert "before.csv" in [file.name for file in full]


def test_large_file_goes_in_parts_and_comes_back_intact(store: Store, tmp_path: Path) -> None:
    area = store.area()
    data = os.urandom(11 * 1024 * 1024 + 123)
    part = {"partSizeMb": 5, "maxConnections": 2} if store.name in ("s3", "azure") else {}
    big = local_file(tmp_path, "big.bin", data)
    written, rejected = write(store, store.params(area, **part), [big], tmp_path / "w")
    assert rejected == [] and [file.name for file in written] == ["big.bin"]
    assert store.names(area) == ["big.bin"]
    assert hashlib.sha256(store.get(area, "big.bin")).digest() == hashlib.sha256(data).digest()
    [back] = read(store, store.params(area), tmp_path / "r")
    assert back.size == len(data) and back.path.read_bytes() == data


def test_write_keeps_names_inside_the_target(store: Store, tmp_path: Path) -> None:
    area = store.area()
    good = local_file(tmp_path, "report.csv", b"x")
    climbing = FileRef(name="../../../escape.csv", path=good.path, size=1)
    hopeless = FileRef(name="dir/..", path=good.path, size=1)
    written, rejected = write(store, store.params(area), [climbing, hopeless], tmp_path / "w")
    assert [file.name for file in written] == ["../../../escape.csv"]
    assert [message for _, message, _ in rejected] == [f"file name 'dir/..' cannot be used on {_noun(store)}"]
    assert store.names(area) == ["escape.csv"]


def test_write_replaces_an_older_file_of_the_same_name(store: Store, tmp_path: Path) -> None:
    area = store.area()
    store.put(area, "daily.csv", b"yesterday")
    write(store, store.params(area), [local_file(tmp_path, "daily.csv", b"today")], tmp_path / "w")
    assert store.get(area, "daily.csv") == b"today"
    assert store.names(area) == ["daily.csv"]


def test_a_killed_upload_leaves_nothing_under_the_final_name(store: Store, tmp_path: Path) -> None:
    """The job is killed once the store holds part of the file: the upload is aborted, no object appears."""
    area = store.area()
    data = os.urandom(40 * 1024 * 1024)
    part = {"partSizeMb": 5, "maxConnections": 1} if store.name in ("s3", "azure") else {}
    component = build_component(store.write_type, store.params(area, **part), tmp_path / "w")
    cancel = component.context.job.cancel_event
    started = threading.Event()

    def kill_once_partly_sent() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not cancel.is_set():
            if _partly_sent(store, area):
                started.set()
                cancel.set()
            time.sleep(0.002)

    watcher = threading.Thread(target=kill_once_partly_sent)
    watcher.start()
    with pytest.raises(JobKilled):
        drive(component, [[local_file(tmp_path, "big.bin", data)]])
    cancel.set()
    watcher.join()
    assert started.is_set(), "the upload finished before it could be interrupted"
    assert "big.bin" not in store.names(area)
    if store.name != "azure":  # the S3 multipart upload was aborted, the FTP temporary file deleted
        assert _partly_sent(store, area) is False
    # Azure keeps staged blocks out of sight (no blob exists under the name) and discards them itself.


def test_wrong_credentials_fail_the_job_naming_the_step_without_the_secret(store: Store, tmp_path: Path) -> None:
    area = store.area()
    secret_param = {"s3": "secretKey", "azure": "accountKey"}.get(store.name, "password")
    wrong = "d3JvbmctYnV0LXdlbGwtZm9ybWVkLWtleS13cm9uZy1idXQtd2VsbC1mb3JtZWQ="
    params = store.params(area, **{secret_param: wrong})
    status = _run_flow(store.read_type, params, tmp_path)
    assert status["status"] == "failed"
    message = status["errorMessage"]
    assert message.startswith(f"step 'store' ({store.read_type}) failed: ")
    assert any(word in message for word in ("credentials", "refused the login")), message
    assert wrong not in str(status)


def test_a_missing_bucket_container_or_directory_fails_the_job(store: Store, tmp_path: Path) -> None:
    params = store.params("missing-area-0042")
    status = _run_flow(store.read_type, params, tmp_path)
    assert status["status"] == "failed"
    assert "missing-area-0042" in status["errorMessage"]
    assert any(word in status["errorMessage"] for word in ("does not exist", "cannot list"))


def test_a_refused_permission_fails_the_job(store: Store, tmp_path: Path) -> None:
    area = store.area()
    if store.name == "s3":
        params = store.params(area, **_s3_reader(store))
    elif store.name == "azure":
        params = store.params(area, sasToken=store.stand_in.server.sas_token(area, "rl"))
        params.pop("accountKey")
    else:
        params = store.params(area, username="reader")
    status = _run_flow(store.write_type, params, tmp_path, upload=True)
    assert status["status"] == "failed"
    assert f"({store.write_type}) failed" in status["errorMessage"]
    message = status["errorMessage"]
    assert any(word in message.lower() for word in ("denied", "permission", "refused")), message
    assert store.names(area) == []


def test_an_unreachable_server_is_retried_then_fails_the_job(store: Store, tmp_path: Path) -> None:
    closed = _closed_port()
    params = store.params(store.area(), **FAST)
    if store.name == "s3":
        params["endpoint"] = f"http://127.0.0.1:{closed}"
    elif store.name == "azure":
        params["endpoint"] = f"http://127.0.0.1:{closed}/{params['accountName']}"
    else:
        params["port"] = closed
    with pytest.raises(FatalError, match=r"gave up after 3 attempts"):
        read(store, params, tmp_path / "work")


# helpers ---------------------------------------------------------------------------------------------------------
def _noun(store: Store) -> str:
    return {"s3": "S3", "azure": "Azure Blob Storage"}.get(store.name, "an FTP server")


def _s3_reader(store: Store) -> dict[str, str]:
    reader = store.stand_in.server.reader
    return {"accessKey": reader.access_key, "secretKey": reader.secret_key}


def _partly_sent(store: Store, area: str) -> bool:
    if store.name == "s3":
        client = store.stand_in.server.client()
        uploads = client.list_multipart_uploads(Bucket=area).get("Uploads", [])
        return any(client.list_parts(Bucket=area, Key=u["Key"], UploadId=u["UploadId"]).get("Parts") for u in uploads)
    if store.name == "azure":
        blob = store.stand_in.client(area).get_blob_client("data/big.bin")
        try:
            return bool(blob.get_block_list("uncommitted")[1])
        except Exception:
            return False
    directory = store.stand_in.server.root / area
    return any(path.name.endswith(".tmp") and path.stat().st_size > 0 for path in directory.iterdir())


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_flow(type_name: str, params: dict[str, Any], tmp_path: Path, upload: bool = False) -> dict[str, Any]:
    """A one- or two-step flow run by the runner, as ``dataflow run`` would."""
    from dataflow.testing import run_spliced

    if upload:
        source = tmp_path / "upload.csv"
        source.write_text("UID\nu1\n")
        steps = [
            {"id": "given", "type": "testing.files", "params": {"paths": [str(source)]}, "next": ["store"]},
            {"id": "store", "type": type_name, "params": params},
        ]
    else:
        steps = [{"id": "store", "type": type_name, "params": params}]
    return run_spliced({"name": "t", "steps": steps}, {}, tmp_path / "jobs", full_extract=True)
