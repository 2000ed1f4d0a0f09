"""datasource.read.azure.sas and datasource.write.azure.sas against azurite: a container SAS URL, an account +
SAS token, and a SAS broker (an OAuth 2 client-credentials token, then the broker's SAS URL: one per file for the
writer, one container SAS for the reader) stood in by a small loopback server that hands out azurite SAS URLs.
Secrets, tokens and SAS signatures never reach the job status."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dataflow.testing import CAPTURED, run_spliced
from tests.storage.service import FAST, AzureStandIn

CLIENT_ID, CLIENT_SECRET, TOKEN = "app-1", "app-secret-value", "token-abc-123"


class Broker:
    """Azure AD's token endpoint and a SAS manager in one loopback server (the contract the step documents)."""

    def __init__(self, azure: AzureStandIn, container: str) -> None:
        self.asked: list[str] = []
        self.read_permission = "rl"  # what the container SAS for readers grants
        self.read_answers_a_blob = False  # answer readers a SAS for one blob instead
        broker = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # /tenant/oauth2/token
                form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                if self.path == "/tenant/oauth2/token" and form.get("client_secret") == [CLIENT_SECRET]:
                    self._answer(200, {"access_token": TOKEN, "token_type": "Bearer"})
                else:
                    self._answer(401, {"error": "invalid_client"})

            def do_GET(self) -> None:  # /api/sasstorage/create/<name>
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._answer(401, {"error": "no"})
                    return
                if self.path == "/api/sasstorage/read/":
                    broker.asked.append("(container)")
                    self._answer(200, {"sasUrl": broker.read_sas()})
                    return
                name = urllib.parse.unquote(self.path.removeprefix("/api/sasstorage/create/"))
                broker.asked.append(name)
                blob_url = f"{azure.server.endpoint}/{container}/{urllib.parse.quote(name)}"
                self._answer(200, {"sasUrl": f"{blob_url}?{azure.server.sas_token(container, 'cw')}"})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

        self.azure, self.container = azure, container

    def read_sas(self) -> str:
        if self.read_answers_a_blob:
            from azure.storage.blob import BlobSasPermissions, generate_blob_sas

            server = self.azure.server
            token = generate_blob_sas(
                server.account_name,
                self.container,
                "a.csv",
                account_key=server.account_key,
                permission=BlobSasPermissions(read=True),
                expiry=datetime.now(UTC) + timedelta(hours=1),
            )
            return f"{server.endpoint}/{self.container}/a.csv?{token}"
        return self.azure.sas_url(self.container, self.read_permission)

    def params(self, secret: str = CLIENT_SECRET, blob_uri: str = "/api/sasstorage/create/") -> dict[str, Any]:
        return {
            "clientId": CLIENT_ID,
            "clientSecret": secret,
            "loginUrl": f"{self.url}/tenant",
            "authenticationUrl": self.url,
            "blobUri": blob_uri,
            **FAST,
        }


@pytest.fixture
def container(azure: AzureStandIn) -> str:
    return azure.container()


@pytest.fixture
def broker(azure: AzureStandIn, container: str) -> Iterator[Broker]:
    running = Broker(azure, container)
    yield running
    running.server.shutdown()


def upload(params: dict[str, Any], tmp_path: Path, names: tuple[str, ...] = ("report.csv",)) -> dict[str, Any]:
    paths = []
    for name in names:
        path = tmp_path / name
        path.write_text(f"UID\n{name}\n")
        paths.append(str(path))
    flow = {
        "name": "sas",
        "steps": [
            {"id": "given", "type": "testing.files", "params": {"paths": paths}, "next": ["azure"]},
            {"id": "azure", "type": "datasource.write.azure.sas", "params": params},
        ],
    }
    return run_spliced(flow, {}, tmp_path / "jobs")


def test_a_container_sas_url(azure: AzureStandIn, container: str, tmp_path: Path) -> None:
    url = azure.sas_url(container, "cw")
    status = upload({"sasUrl": url, "blobPrefix": "out/", **FAST}, tmp_path)
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert azure.names(container) == ["out/report.csv"]
    assert urllib.parse.urlsplit(url).query not in json.dumps(status)


def test_an_account_and_a_sas_token(azure: AzureStandIn, container: str, tmp_path: Path) -> None:
    token = azure.server.sas_token(container, "cw")
    params = {"accountName": azure.server.account_name, "container": container, "sasToken": token}
    status = upload({**params, "endpoint": azure.server.endpoint, **FAST}, tmp_path)
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert azure.get(container, "report.csv") == b"UID\nreport.csv\n"


def test_the_sas_broker_hands_a_sas_per_file(azure: AzureStandIn, container: str, broker: Broker, tmp_path: Path):
    status = upload(broker.params(), tmp_path, ("a.csv", "b c.csv"))
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert broker.asked == ["a.csv", "b c.csv"]
    assert azure.names(container) == ["a.csv", "b c.csv"]
    text = json.dumps(status)
    assert TOKEN not in text and CLIENT_SECRET not in text and "sig=" not in text


def test_the_broker_refusing_the_client_fails_the_job(broker: Broker, tmp_path: Path) -> None:
    status = upload(broker.params(secret="wrong-secret-value"), tmp_path)
    assert status["status"] == "failed"
    assert "refused the client credentials of clientId 'app-1'" in status["errorMessage"]
    assert "wrong-secret-value" not in json.dumps(status)


def test_the_template_params_validate_without_a_sas(tmp_path: Path) -> None:
    from dataflow.validation import validate_text

    flow = {"name": "x", "steps": [{"id": "azure", "type": "datasource.write.azure.sas", "params": {"container": "c"}}]}
    found = validate_text(json.dumps(flow), "flow.json")
    assert not found.ok
    assert any("set sasUrl, or accountName + container + sasToken" in d.message for d in found.diagnostics)


# reading ----------------------------------------------------------------------------------------------------
READ_SELECTION = {"blobPrefix": "in/", "fileNameRegex": ".*\\.csv", "sortBy": "name"}


def seed(azure: AzureStandIn, container: str) -> None:
    for name in ("in/b.csv", "in/a.csv", "in/notes.txt", "in/deeper/c.csv", "other.csv"):
        azure.put(container, name, f"UID\n{name}\n".encode())


def download(params: dict[str, Any], tmp_path: Path) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    flow = {
        "name": "sas-read",
        "steps": [
            {"id": "azure", "type": "datasource.read.azure.sas", "params": params, "next": ["seen"]},
            {"id": "seen", "type": "testing.capture.files", "params": {}},
        ],
    }
    status = run_spliced(flow, {}, tmp_path / "jobs", full_extract=True)
    return status, list(CAPTURED.get("seen", []))


def test_read_with_a_container_sas_url(azure: AzureStandIn, container: str, tmp_path: Path) -> None:
    seed(azure, container)
    url = azure.sas_url(container, "rl")
    status, seen = download({"sasUrl": url, **READ_SELECTION, **FAST}, tmp_path)
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert seen == [("a.csv", b"UID\nin/a.csv\n"), ("b.csv", b"UID\nin/b.csv\n")]
    assert urllib.parse.urlsplit(url).query not in json.dumps(status)


def test_read_with_an_account_and_a_sas_token(azure: AzureStandIn, container: str, tmp_path: Path) -> None:
    seed(azure, container)
    token = azure.server.sas_token(container, "rl")
    params = {"accountName": azure.server.account_name, "container": container, "sasToken": token}
    status, seen = download({**params, "endpoint": azure.server.endpoint, **READ_SELECTION, **FAST}, tmp_path)
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert [name for name, _ in seen] == ["a.csv", "b.csv"]


def test_read_through_the_sas_broker(azure: AzureStandIn, container: str, broker: Broker, tmp_path: Path) -> None:
    seed(azure, container)
    status, seen = download({**broker.params(blob_uri="/api/sasstorage/read/"), **READ_SELECTION}, tmp_path)
    assert status["status"] == "succeeded", status.get("errorMessage")
    assert [name for name, _ in seen] == ["a.csv", "b.csv"]
    assert broker.asked == ["(container)"]  # one container SAS for the whole listing and every download
    text = json.dumps(status)
    assert TOKEN not in text and CLIENT_SECRET not in text and "sig=" not in text


def test_a_broker_answering_a_blob_sas_fails_the_read(
    azure: AzureStandIn, container: str, broker: Broker, tmp_path: Path
) -> None:
    seed(azure, container)
    broker.read_answers_a_blob = True
    status, seen = download({**broker.params(blob_uri="/api/sasstorage/read/"), **READ_SELECTION}, tmp_path)
    assert status["status"] == "failed" and seen == []
    assert "reading needs a container SAS with the read and list permissions" in status["errorMessage"]
    assert "sig=" not in json.dumps(status)


def test_a_sas_that_cannot_list_fails_the_read_naming_the_permission(
    azure: AzureStandIn, container: str, tmp_path: Path
) -> None:
    seed(azure, container)
    url = azure.sas_url(container, "r")  # read, but no list
    status, seen = download({"sasUrl": url, **READ_SELECTION, **FAST}, tmp_path)
    assert status["status"] == "failed" and seen == []
    assert "permission denied listing blobs" in status["errorMessage"], status["errorMessage"]
    assert container in status["errorMessage"]
    assert urllib.parse.urlsplit(url).query not in json.dumps(status)


def test_the_reader_wants_one_way_to_the_sas(tmp_path: Path) -> None:
    from dataflow.validation import validate_text

    step = {"id": "azure", "type": "datasource.read.azure.sas", "params": {"sasToken": "sv=1&sig=x"}}
    found = validate_text(json.dumps({"name": "x", "steps": [step]}), "flow.json")
    assert not found.ok
    assert any("sasToken needs accountName and container" in d.message for d in found.diagnostics)
