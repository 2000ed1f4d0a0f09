"""What every Silverpop component shares: params checks, the lazily built client and SFTP side, data jobs.

Nothing connects in ``open``: a writer that receives nothing never calls Silverpop, and tools that build
components without a server (validation, the conformance suite) can. ``needs_service = "silverpop"`` tells the
conformance suite that running this component needs a Silverpop org (the sandbox, in tests).

A data job that ends in ERROR is submitted again (``jobRetries`` times): Silverpop gives no way to tell a
transient failure from a lasting one, and an import keyed by the UID applies the same way twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from dataflow.component import Component, ParamProblem
from dataflow.errors import FatalError
from dataflow.retry import DEFAULT_BASE_DELAY, DEFAULT_RETRIES, RetryPolicy
from dataflow.runtime.context import StepContext
from steps.silverpop import ops
from steps.silverpop.client import SilverpopClient
from steps.silverpop.errors import JobFailed
from steps.silverpop.files import DOWNLOAD, SilverpopFiles
from steps.silverpop.results import ImportResult, counts, error_reason, read_err, read_res
from steps.silverpop.settings import Settings, check_connection, resolve


class SilverpopStep(Component):
    """Mixin for the Silverpop components; put it before the role class in the bases."""

    needs_service: ClassVar[str] = "silverpop"

    @classmethod
    def uses_sftp(cls, params: dict[str, Any]) -> bool:
        return True

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from check_connection(params, cls.uses_sftp(params))

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        context.job.redactor.add(params.get("clientSecret"), params.get("refreshToken"), params.get("password"))
        self._settings: Settings | None = None
        self._client: SilverpopClient | None = None
        self._files: SilverpopFiles | None = None
        self.timings: dict[str, float] = {}

    # connections ------------------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = resolve(self.params, self.context.job.environ)
            self.context.info(f"Silverpop: {self._settings.describe()}")
        return self._settings

    @property
    def client(self) -> SilverpopClient:
        if self._client is None:
            retry = RetryPolicy(
                retries=int(self.params.get("maxRetries", DEFAULT_RETRIES)),
                base_delay=float(self.params.get("retryBackoffMs", DEFAULT_BASE_DELAY * 1000)) / 1000,
            )
            self._client = SilverpopClient(
                self.settings,
                retry=retry,
                cancel=self.context.job.cancel_event,
                log=self._log,
                on_token=self.context.job.redactor.add,
            )
        return self._client

    @property
    def files(self) -> SilverpopFiles:
        if self._files is None:
            self._files = SilverpopFiles(
                self.settings,
                self.client,
                self.params,
                self.context.job.environ,
                cancel=self.context.job.cancel_event,
                log=self._log,
            )
        return self._files

    def close(self) -> None:
        if self._files is not None:
            self._files.close()
            self._files = None
        if self._client is not None:
            self.context.info(self._client.summary())
            self._client.close()
            self._client = None

    # data jobs --------------------------------------------------------------------------------------------
    def run_job(self, submit: Callable[[], int], what: str, results: bool = False) -> ops.JobStatus:
        """Submit (and resubmit after ERROR, ``jobRetries`` times) a data job and wait for it to complete."""
        attempts = int(self.params.get("jobRetries", 2)) + 1
        for attempt in range(1, attempts + 1):
            job_id = submit()
            self.context.info(f"{what}: Silverpop job {job_id} submitted")
            try:
                return ops.wait_for_job(
                    self.client,
                    job_id,
                    poll=float(self.params.get("jobPollSeconds", 2.0)),
                    timeout=float(self.params.get("jobTimeoutSeconds", 14_400)),
                    cancel=self.context.job.cancel_event,
                    log=self.context.debug,
                )
            except JobFailed as failed:
                reason = self._failure_reason(failed) if results else None
                failure = JobFailed(failed.job_id, failed.status, failed.description, reason, failed.parameters)
                if attempt == attempts:
                    raise failure from None
                self.context.warn(f"{failure}; submitting it again (attempt {attempt + 1} of {attempts})")
        raise AssertionError("unreachable")

    def export_file(self, submit: Callable[[], tuple[int, str]], what: str) -> Path:
        """Run an export job (``submit`` starts it: job id, file name), download its file and delete it there."""
        started = time.perf_counter()
        file_name = ""

        def start() -> int:
            nonlocal file_name
            job_id, file_name = submit()
            return job_id

        self.run_job(start, what)
        self.timings["export"] = self.timings.get("export", 0.0) + time.perf_counter() - started
        local = self.context.new_file_path(file_name or "export.csv")
        started = time.perf_counter()
        if self.files.download(file_name, local) is None:
            raise FatalError(f"the export job completed but download/{file_name} is not on {self.files.where}")
        self.files.remove(DOWNLOAD, file_name)
        self.timings["download"] = self.timings.get("download", 0.0) + time.perf_counter() - started
        return local

    def import_results(self, status: ops.JobStatus) -> ImportResult:
        """The ``.res`` counts and the ``.err`` rows of a completed import (files removed afterwards)."""
        started = time.perf_counter()
        res_name = status.parameters.get("RESULTS_FILE_NAME") or f"{status.id}.res"
        err_name = status.parameters.get("ERROR_FILE_NAME") or f"{status.id}.err"
        outcome = ImportResult(counts=counts(status.parameters))
        res_path = self._fetch(res_name)
        if res_path is not None:
            outcome.counts.update(counts(read_res(res_path)))
        err_path = self._fetch(err_name)
        if err_path is not None:
            outcome.rejected, outcome.job_error = read_err(err_path)
        self.timings["results"] = self.timings.get("results", 0.0) + time.perf_counter() - started
        return outcome

    def _fetch(self, name: str) -> Path | None:
        local = self.context.new_file_path(name)
        if self.files.download(name, local) is None:
            return None
        self.files.remove(DOWNLOAD, name)
        return local

    def _failure_reason(self, failed: JobFailed) -> str | None:
        res_name = failed.parameters.get("RESULTS_FILE_NAME") or f"{failed.job_id}.res"
        err_name = failed.parameters.get("ERROR_FILE_NAME") or f"{failed.job_id}.err"
        res_path, err_path = self._fetch(res_name), self._fetch(err_name)
        return error_reason(err_path, read_res(res_path) if res_path else {})

    def _log(self, level: str, message: str) -> None:
        self.context.job.trace.log(level, message, self.context.step_id)
