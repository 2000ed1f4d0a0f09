"""``datasource.write.salesforce``: records into sObjects (``objectType``) through a Bulk API 2.0 ingest job.

Records are matched on ``primaryId``, an external ID field of the object (the job's ``externalIdFieldName``,
operation upsert); ``lookupId`` names the record field holding its value when that field has another name (it is
sent as ``primaryId``). Without ``primaryId`` records are inserted. Up to ``recordsPerJob`` records become one
job: create, upload the CSV, close, poll until ``JobComplete``; the rows in ``failedResults`` go down the error
path with Salesforce's ``sf__Error``, the rest are passed on. A job that fails as a whole (a column naming no
field) fails the flow's job. An expired session (401 ``INVALID_SESSION_ID``) logs in again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from dataflow.component import ParamProblem, Record
from dataflow.errors import FatalError
from steps.rest.auth import AccessToken
from steps.rest.client import RestClient
from steps.rest.csvjobs import match_failures, table, to_csv
from steps.rest.polling import wait_until
from steps.rest.values import check_url, public_fields
from steps.rest.writer import BufferedWriter, Refusals
from steps.salesforce.login import api_version, login, soap_url


class WriteSalesforce(BufferedWriter):
    type: ClassVar[str] = "datasource.write.salesforce"
    needs_service: ClassVar[str | None] = "salesforce"
    secret_params: ClassVar[tuple[str, ...]] = ("password", "token")
    job_size_default: ClassVar[int] = 10_000

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from check_url(params, "authEndpoint")

    @property
    def version(self) -> str:
        return api_version(str(self.params["authEndpoint"]), self.params.get("apiVersion"))

    def make_client(self) -> RestClient:
        url = soap_url(str(self.params["authEndpoint"]), self.version)
        session_id, instance = self._login(url)
        handed = [session_id]

        def fetch() -> tuple[str, float | None]:
            return (handed.pop() if handed else self._login(url)[0]), 7200.0

        self.context.info(f"Salesforce: {instance} as {self.params['username']}, API v{self.version}")
        return self.rest("Salesforce", f"{instance}/services/data/v{self.version}", AccessToken(fetch, self.on_token))

    def _login(self, url: str) -> tuple[str, str]:
        client = self.rest("Salesforce login", url)
        try:
            session_id, instance = login(
                client.session,
                url,
                str(self.params["username"]),
                str(self.params["password"]),
                str(self.params.get("token") or ""),
                client.timeout,
            )
        finally:
            client.close()
        self.on_token(session_id)
        return session_id, instance

    def rows(self, records: list[Record]) -> tuple[list[str], list[list[str]]]:
        primary, lookup = self.params.get("primaryId"), self.params.get("lookupId")
        prepared = []
        for record in records:
            row = public_fields(record)
            if primary and lookup and lookup != primary and lookup in row:
                row[str(primary)] = row.pop(str(lookup))
            prepared.append(row)
        return table(prepared)

    def send(self, records: list[Record]) -> Refusals:
        columns, cells = self.rows(records)
        primary = self.params.get("primaryId")
        spec: dict[str, Any] = {
            "object": self.params["objectType"],
            "contentType": "CSV",
            "lineEnding": "LF",
            "operation": "upsert" if primary else "insert",
        }
        if primary:
            spec["externalIdFieldName"] = primary
        job = self.client.json("POST", "/jobs/ingest", json=spec)
        job_id = job["id"]
        self.client.request(
            "PUT", f"/jobs/ingest/{job_id}/batches", data=to_csv(columns, cells), headers={"Content-Type": "text/csv"}
        )
        self.client.json("PATCH", f"/jobs/ingest/{job_id}", json={"state": "UploadComplete"})
        status = wait_until(
            lambda: self.client.json("GET", f"/jobs/ingest/{job_id}"),
            lambda answer: answer.get("state") in ("JobComplete", "Failed", "Aborted"),
            poll=float(self.params.get("jobPollSeconds", 5.0)),
            timeout=float(self.params.get("jobTimeoutSeconds", 7200)),
            what=f"Salesforce ingest job {job_id}",
            cancel=self.context.job.cancel_event,
        )
        if status["state"] != "JobComplete":
            raise FatalError(
                f"Salesforce ingest job {job_id} ended {status['state']}: "
                f"{status.get('errorMessage') or 'no reason given'}"
            )
        refused = self._failures(job_id, columns, cells) if int(status.get("numberRecordsFailed") or 0) else {}
        self.context.info(
            f"Salesforce ingest job {job_id}: {status.get('numberRecordsProcessed', 0):,} records "
            f"processed, {status.get('numberRecordsFailed', 0):,} failed"
        )
        return refused

    def _failures(self, job_id: str, columns: list[str], cells: list[list[str]]) -> Refusals:
        text = self.client.request("GET", f"/jobs/ingest/{job_id}/failedResults/").content.decode("utf-8")
        return match_failures(text, columns, cells, "sf__Error", {"jobId": job_id}, self.context.warn)
