"""``BufferedWriter``: records gathered into jobs of ``recordsPerJob`` and handed to the partner's bulk API at once.

Bulk endpoints (Mailchimp batches, Marketo bulk import, Salesforce Bulk API 2.0, Constant Contact activities,
Campaign Monitor imports, Marketing Cloud async rows) take thousands of records per call or job and answer
per record later. Sending each runner batch as its own job would multiply jobs (and their polling) for no gain,
so records wait here until a job is full or the stream ends; memory is bounded by the job size.

``send(records)`` returns the records the partner refused, by index, with its reason; those go down the step's
``error`` path, the rest are passed on. Counters are in records and reconcile after every job.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dataflow.component import Component, Kind, Record
from dataflow.runtime.context import StepContext
from steps.rest.base import PartnerStep

Refusals = dict[int, tuple[str, dict[str, Any]]]  # index in the job -> (reason, details)


class BufferedWriter(PartnerStep, Component):
    consumes: ClassVar[Kind | None] = "records"
    produces: ClassVar[Kind | None] = "records"
    fails: ClassVar[Kind | None] = "records"
    job_size_default: ClassVar[int] = 1000

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._buffer: list[Record] = []
        self.jobs = 0

    @property
    def job_size(self) -> int:
        return max(1, int(self.params.get("recordsPerJob") or self.job_size_default))

    def send(self, records: list[Record]) -> Refusals:
        """Write one job of records; the refused ones by index with the partner's reason."""
        raise NotImplementedError

    def feed(self, batch: list) -> Iterator[list]:
        self.counters.in_ += len(batch)
        self._buffer.extend(batch)
        while len(self._buffer) >= self.job_size:
            records, self._buffer = self._buffer[: self.job_size], self._buffer[self.job_size :]
            yield from self._flush(records)

    def finish(self) -> Iterator[list]:
        records, self._buffer = self._buffer, []
        yield from self._flush(records)

    def _flush(self, records: list[Record]) -> Iterator[list]:
        if not records:
            return
        self.context.job.check_cancelled()
        self.jobs += 1
        refused = self.send(records)
        passed: list[Record] = []
        for index, record in enumerate(records):
            if index in refused:
                reason, details = refused[index]
                self.reject(record, reason, **details)
                self.counters.errors += 1
            else:
                passed.append(record)
        self.counters.out += len(passed)
        size = self.context.job.batch_size
        for start in range(0, len(passed), size):
            yield passed[start : start + size]
