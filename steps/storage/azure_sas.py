"""``datasource.read.azure.sas`` / ``datasource.write.azure.sas``: Azure Blob Storage with a shared access
signature (SAS) instead of the account key, so the engine never holds a key that opens the whole account.

The SAS comes in one of three ways (the first one set wins):

- ``sasUrl``: a container SAS URL (``https://ACCOUNT.blob.core.windows.net/CONTAINER?sv=...&sig=...``);
- ``accountName`` + ``container`` + ``sasToken`` (and ``endpoint`` where the account is not on Azure's cloud);
- a **SAS broker**, IdentitySync's params: ``clientId`` and ``clientSecret`` get an Azure AD token by the OAuth 2
  client-credentials grant at ``loginUrl``/oauth2/token (``resource`` = ``authenticationUrl``), and
  ``GET authenticationUrl + blobUri`` with that bearer token answers a SAS URL. The writer appends each file's
  name and gets a SAS for that file; the reader, which must list the container, appends nothing and needs a
  container SAS with the read and list permissions. IdentitySync does not document the broker's answer; we
  accept the URL as text, as a JSON string, or in a JSON object's ``sasUrl``/``sasUri``/``uri``/``url``, and for
  the writer it may name the blob itself or its container (the file name is then appended). A broker that
  answers otherwise fails the job with what it answered.

Listing, downloads, uploads, commits, retries and failures are the blob steps' (``steps/storage/azure_blob.py``).
The token and every SAS are masked in the trace.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from typing import Any, ClassVar

import requests
from azure.storage.blob import BlobClient, ContainerClient

from dataflow import jsonio
from dataflow.component import ParamProblem
from dataflow.errors import FatalError
from dataflow.runtime.context import StepContext
from steps.storage.azure_blob import ReadAzureBlob, WriteAzureBlob, client_options

BROKER_PARAMS = ("clientId", "clientSecret", "loginUrl", "authenticationUrl", "blobUri")
_URL_KEYS = ("sasUrl", "sasUri", "uri", "url")


class SasAccess:
    """How both SAS steps reach the container; mixed in before the blob reader or writer."""

    params: dict[str, Any]
    context: StepContext
    retrying: Any

    @classmethod
    def check_credentials(cls, params: dict[str, Any]) -> Any:
        if params.get("sasUrl"):
            return
        if params.get("sasToken"):
            if not (params.get("accountName") and params.get("container")):
                yield ParamProblem((), "sasToken needs accountName and container")
            return
        missing = [name for name in BROKER_PARAMS if not params.get(name)]
        if missing:
            yield ParamProblem(
                (), "set sasUrl, or accountName + container + sasToken, or the SAS broker's " + ", ".join(missing)
            )

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        self._token: str | None = None
        self._container_url: str | None = params.get("sasUrl") or None  # before the blob step names its place
        super().__init__(params, context)  # type: ignore[call-arg]
        context.job.redactor.add(params.get("sasUrl"), params.get("clientSecret"))
        blob_transient = self.retrying.transient
        self.retrying.transient = lambda problem: blob_transient(problem) or _network(problem)

    @property
    def broker(self) -> bool:
        return not (self.params.get("sasUrl") or self.params.get("sasToken"))

    @property
    def container_name(self) -> str:
        if self._container_url:
            return urllib.parse.urlsplit(self._container_url).path.strip("/").split("/")[-1]
        return str(self.params.get("container") or "(from the SAS broker)")

    @property
    def account_url(self) -> str:
        if self._container_url:
            parts = urllib.parse.urlsplit(self._container_url)
            return f"{parts.scheme}://{parts.netloc}" + parts.path.rstrip("/").rsplit("/", 1)[0]
        if self.broker:
            return str(self.params["authenticationUrl"]).rstrip("/")
        return super().account_url  # type: ignore[misc]

    def open_container(self) -> ContainerClient:
        if self._container_url:
            return ContainerClient.from_container_url(self._container_url, **client_options(self.params))
        return super().open_container()  # type: ignore[misc]

    # the broker ---------------------------------------------------------------------------------------------
    def ask_broker(self, blob_name: str = "") -> str:
        """The SAS URL the broker answers for ``blob_name`` (for the container when it is empty)."""
        address = str(self.params["authenticationUrl"]).rstrip("/") + str(self.params["blobUri"])
        address += urllib.parse.quote(blob_name)
        subject = blob_name or "the container"
        answer = self.retrying.call(
            f"asking the SAS broker for {subject}",
            lambda: requests.get(address, headers={"Authorization": f"Bearer {self.token}"}, timeout=self._timeout),
        )
        if answer.status_code in (401, 403):
            raise FatalError(f"the SAS broker at {address} refused the Azure AD token (HTTP {answer.status_code})")
        if answer.status_code >= 400:
            raise FatalError(f"the SAS broker at {address} answered HTTP {answer.status_code}")
        url = _sas_url(answer.text)
        if url is None:
            raise FatalError(f"the SAS broker at {address} did not answer a SAS URL: {answer.text[:200]!r}")
        self.context.job.redactor.add(url, urllib.parse.urlsplit(url).query)
        return url

    @property
    def token(self) -> str:
        if self._token is None:
            endpoint = str(self.params["loginUrl"]).rstrip("/") + "/oauth2/token"
            form = {
                "grant_type": "client_credentials",
                "client_id": self.params["clientId"],
                "client_secret": self.params["clientSecret"],
                "resource": self.params["authenticationUrl"],
            }
            answer = self.retrying.call(
                "getting an Azure AD token", lambda: requests.post(endpoint, data=form, timeout=self._timeout)
            )
            token = _json(answer.text).get("access_token") if answer.status_code == 200 else None
            if not isinstance(token, str) or not token:
                raise FatalError(
                    f"Azure AD at {endpoint} refused the client credentials of clientId "
                    f"{self.params['clientId']!r} (HTTP {answer.status_code})"
                )
            self.context.job.redactor.add(token)
            self._token = token
        return self._token

    @property
    def _timeout(self) -> float:
        return float(self.params.get("timeout") or 60)


class ReadAzureSas(SasAccess, ReadAzureBlob):
    """Emit the blobs under ``blobPrefix`` that a container SAS lets us list and read, selected as every file
    reader selects."""

    type: ClassVar[str] = "datasource.read.azure.sas"

    def open_container(self) -> ContainerClient:
        if self.broker and self._container_url is None:
            url = self.ask_broker()
            signed_resource = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("sr", [""])[0]
            if signed_resource in ("b", "bs", "bv"):
                raise FatalError(
                    "the SAS broker answered a SAS for one blob; reading needs a container SAS with the read and "
                    "list permissions"
                )
            self._container_url = url
        return super().open_container()


class WriteAzureSas(SasAccess, WriteAzureBlob):
    """Put each incoming file into the container a SAS grants; pass the file on."""

    type: ClassVar[str] = "datasource.write.azure.sas"

    def blob_client(self, blob_name: str) -> Any:
        if not self.broker:
            return super().blob_client(blob_name)
        url = self.ask_broker(blob_name)
        path = urllib.parse.urlsplit(url).path
        if not path.rstrip("/").endswith("/" + urllib.parse.quote(blob_name)):
            container = ContainerClient.from_container_url(url, **client_options(self.params))
            return container.get_blob_client(blob_name)
        return BlobClient.from_blob_url(url, **client_options(self.params))


def _network(problem: BaseException) -> str | None:
    if isinstance(problem, requests.ConnectionError | requests.Timeout):
        return str(problem).split("\n")[0] or type(problem).__name__
    return None


def _json(text: str) -> Any:
    try:
        found = jsonio.loads(text)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _sas_url(text: str) -> str | None:
    candidate: Any = text.strip()
    with contextlib.suppress(ValueError):
        candidate = jsonio.loads(candidate)
    if isinstance(candidate, dict):
        candidate = next((candidate[key] for key in _URL_KEYS if isinstance(candidate.get(key), str)), None)
    if isinstance(candidate, str) and candidate.startswith(("https://", "http://")) and "sig=" in candidate:
        return candidate
    return None
