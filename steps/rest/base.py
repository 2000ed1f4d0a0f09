"""``PartnerStep``: what every partner component shares: the lazily built client, secrets registered with the
job's redactor, the retry knobs, and the client's summary in the trace when the step closes.

Nothing connects in ``__init__`` or ``open``: a writer that receives nothing never calls the partner, and tools
that build components without a partner (validation, the conformance suite) can. ``needs_service`` names the
partner so the conformance suite points the examples at its stand-in.
"""

from __future__ import annotations

from typing import Any, ClassVar

from dataflow.component import Component
from dataflow.retry import DEFAULT_BASE_DELAY, DEFAULT_RETRIES, RetryPolicy
from dataflow.runtime.context import StepContext
from steps.rest.auth import Auth
from steps.rest.client import RestClient


class PartnerStep(Component):
    """Mixin for partner components; put it before the role class in the bases and override ``make_client``."""

    needs_service: ClassVar[str | None] = None
    secret_params: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        context.job.redactor.add(*(params.get(name) for name in self.secret_params))
        self._client: RestClient | None = None

    def make_client(self) -> RestClient:
        raise NotImplementedError

    @property
    def client(self) -> RestClient:
        if self._client is None:
            self._client = self.make_client()
        return self._client

    @property
    def concurrency(self) -> int:
        return max(1, int(self.params.get("maxConnections") or 1))

    def rest(self, name: str, base_url: str, auth: Auth | None = None, **options: Any) -> RestClient:
        """A client with this step's retry policy, kill switch and trace."""
        retry = RetryPolicy(
            retries=int(self.params.get("maxRetries", DEFAULT_RETRIES)),
            base_delay=float(self.params.get("retryBackoffMs", DEFAULT_BASE_DELAY * 1000)) / 1000,
        )
        return RestClient(
            name,
            base_url,
            auth,
            retry=retry,
            cancel=self.context.job.cancel_event,
            log=self._log,
            pool=self.concurrency,
            **options,
        )

    def on_token(self, token: str) -> None:
        """Access tokens are secrets too: they must never reach a trace or an error file."""
        self.context.job.redactor.add(token)

    def close(self) -> None:
        if self._client is not None:
            self.context.info(self._client.summary())
            self._client.close()
            self._client = None

    def _log(self, level: str, message: str) -> None:
        self.context.job.trace.log(level, message, self.context.step_id)
