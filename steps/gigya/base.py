"""What every Gigya component shares: the site connection, one client per step, and its summary in the trace.

``needs_service = "gigya"`` tells the conformance suite (and anything else that runs components outside a job)
that this component only works against a Gigya site: give its job ``environ`` the ``GIGYA_*`` settings of one
(the sandbox's, in tests) before running its examples.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dataflow.component import Component
from dataflow.errors import FatalError
from dataflow.retry import DEFAULT_BASE_DELAY, DEFAULT_RETRIES, RetryPolicy
from steps.gigya.client import GigyaClient
from steps.gigya.pool import Workers
from steps.gigya.settings import resolve


class GigyaStep(Component):
    """Mixin for the ``datasource.*.gigya.*`` components; put it before the role class in the bases."""

    needs_service: ClassVar[str] = "gigya"
    # The param that says how many calls may be in flight at once (writers: maxConnections; readers and
    # lookups: maxConcurrency, as IdentitySync names them).
    concurrency_param: ClassVar[str] = "maxConnections"
    # Per-record steps (writers, lookups) spread a batch over a thread pool; readers page sequentially.
    pooled: ClassVar[bool] = True

    client: GigyaClient | None = None
    workers: Workers | None = None

    @property
    def concurrency(self) -> int:
        return max(1, int(self.params.get(self.concurrency_param) or 1))

    def open(self) -> None:
        """Resolve the site and build the client, without calling Gigya yet.

        A site with no credentials is reported on the first call, not here: a step that never receives a record
        (an empty delta) has nothing to send, and tools that build components without a site can still do so.
        """
        self._unusable: FatalError | None = None
        try:
            settings = resolve(self.params, self.context.job.environ)
        except FatalError as problem:
            self._unusable = problem
            if self.pooled:
                self.workers = Workers(self.concurrency, self.context.step_id)
            return
        self.context.job.redactor.add(settings.secret, settings.private_key)
        retry = RetryPolicy(
            retries=int(self.params.get("maxRetries", DEFAULT_RETRIES)),
            base_delay=float(self.params.get("retryBackoffMs", DEFAULT_BASE_DELAY * 1000)) / 1000,
        )
        self.client = GigyaClient(
            settings,
            max_connections=self.concurrency,
            retry=retry,
            cancel=self.context.job.cancel_event,
            log=self._log,
        )
        if self.pooled:
            self.workers = Workers(self.concurrency, self.context.step_id)
        self.context.info(f"Gigya site: {settings.describe()}")

    @property
    def site(self) -> GigyaClient:
        """The client; raises the ``FatalError`` that says what is missing when the site is not usable."""
        if self.client is None:
            raise getattr(self, "_unusable", None) or FatalError("the step was not opened")
        return self.client

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()
            self.workers = None
        if self.client is not None:
            self.context.info(self.client.summary())
            self.client.close()
            self.client = None

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.site.call(method, params)

    def _log(self, level: str, message: str) -> None:
        self.context.job.trace.log(level, message, self.context.step_id)
