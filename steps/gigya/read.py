"""``datasource.read.gigya.*``: accounts, Data Store objects and audit-log entries through cursor searches.

Each reader builds one query, writes it to the trace (so an operator sees the delta window it read), then
yields one batch per cursor page, records shaped exactly as Gigya returns them (nested ``profile``/``data``).
The delta window (identitysync.md §3.3) comes from the job: ``deltaField > <start of the window>`` unless the
job is a full extract (``context.job.delta_since`` is None).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar

from dataflow.clock import iso
from dataflow.component import ParamProblem, Reader, Record
from dataflow.errors import FatalError
from steps.gigya import query
from steps.gigya.base import GigyaStep
from steps.gigya.errors import GigyaApiError
from steps.gigya.pool import prefetch
from steps.gigya.records import prune_empty

HEX_DIGITS = "0123456789abcdef"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def uid_ranges(count: int) -> list[str]:
    """``count`` anchored regexes that split every possible UID into ranges by its first character.

    Gigya's UIDs are 32 random hex digits, so ranges of the first digit hold about as many accounts each,
    whatever the delta window, and need no query to find (a window of ``lastUpdatedTimestamp`` would need the
    data's spread first, and recent changes crowd its last windows). Any UID that does not start with a hex
    digit (imported accounts may carry their own) falls into the last range, so together they cover all.
    """
    bounds = [len(HEX_DIGITS) * index // count for index in range(count + 1)]
    ranges = []
    for index in range(count):
        digits = HEX_DIGITS[bounds[index] : bounds[index + 1]]
        pattern = _character_class(digits)
        if index == count - 1:
            pattern = f"({pattern}|[^0-9a-fA-F])"
        ranges.append(f"{pattern}.*")
    return ranges


def _character_class(digits: str) -> str:
    """``[0-3]``, ``[89a-bA-B]``: the digits, letters in both cases."""
    numbers = [d for d in digits if d.isdigit()]
    letters = [d for d in digits if not d.isdigit()]
    spans = []
    if numbers:
        spans.append(numbers[0] if len(numbers) == 1 else f"{numbers[0]}-{numbers[-1]}")
    if letters:
        low = letters[0] if len(letters) == 1 else f"{letters[0]}-{letters[-1]}"
        spans.append(low + low.upper())
    return "[" + "".join(spans) + "]"


class _SearchReader(GigyaStep, Reader):
    """One cursor search; subclasses say which method, which source, and how the delta bound is written."""

    method: ClassVar[str] = ""
    concurrency_param: ClassVar[str] = "maxConcurrency"
    pooled: ClassVar[bool] = False
    noun: ClassVar[str] = "records"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        for name, check in (("select", query.parse_select), ("where", query.split_where)):
            text = params.get(name)
            if not isinstance(text, str) or not text.strip():
                continue
            try:
                check(text)
            except query.QueryError as problem:
                yield ParamProblem((name,), problem.message, problem.offset)

    def source_name(self) -> str:
        return str(self.params["from"])

    def delta_condition(self, field: str, since: datetime) -> str:
        return f"{field} > {epoch_ms(since)}"

    def extra_conditions(self) -> list[str]:
        return []

    def build_query(self) -> str:
        condition, order_by = query.split_where(self.params.get("where") or "")
        conditions = [condition, *self.extra_conditions()]
        delta_field = self.params.get("deltaField")
        since = self.context.job.delta_since
        if delta_field and since is not None:
            conditions.append(self.delta_condition(delta_field, since))
        select = query.render_select(query.parse_select(self.params.get("select") or "*"))
        page = self.params.get("batchSize")
        limit = self.context.job.limit
        if page and limit is not None:  # a test run of 10 records need not fetch a page of 1,000
            page = max(1, min(page, limit))
        return query.build(select, self.source_name(), conditions, order_by, page)

    def read(self) -> Iterator[list[Record]]:
        client = self.site
        text = self.build_query()
        since = self.context.job.delta_since
        window = f"delta since {iso(since)}" if since and self.params.get("deltaField") else "full extract"
        self.context.info(f"{self.method} ({window}): {text}")
        pages: Iterator[dict[str, Any]] = client.search(self.method, text)
        if self.concurrency > 1:  # a partition is one of maxConcurrency reads already: one page ahead is enough
            pages = prefetch(pages, 1 if self.partition is not None else self.concurrency - 1)
        exclude_empty = bool(self.params.get("excludeEmptyFields"))
        count = number = 0
        try:
            for number, page in enumerate(pages, 1):
                if number == 1 and "totalCount" in page:
                    self.context.info(f"{page['totalCount']:,} {self.noun} match")
                results = page.get("results") or []
                if exclude_empty:
                    results = [prune_empty(record) for record in results]
                count += len(results)
                if results:
                    yield results
        except GigyaApiError as problem:
            raise FatalError(f"{problem.message} (query: {text})") from None
        self.context.info(f"read {count:,} {self.noun} in {number:,} page(s)")


class ReadAccounts(_SearchReader):
    """Accounts changed since the last successful run (or all of them on a full extract), via accounts.search.

    ``consent`` (IdentitySync's param for consent-management customers) names consent statements, e.g.
    ``terms.tos`` or ``marketing.email``: only accounts that granted every one of them are read, so a flow never
    exports a person who did not agree to what the export is for.

    In a partitioned run the read splits into ``maxConcurrency`` reads by UID (``uid_ranges``), each its own
    cursor search, read in parallel.
    """

    type: ClassVar[str] = "datasource.read.gigya.account"
    method: ClassVar[str] = "accounts.search"
    noun: ClassVar[str] = "accounts"

    def partitions(self) -> list[str] | None:
        count = min(self.concurrency, len(HEX_DIGITS))
        return uid_ranges(count) if count > 1 else None

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from super().check_params(params)
        for index, statement in enumerate(params.get("consent") or []):
            if isinstance(statement, str) and not query.is_field(statement.removeprefix("preferences.")):
                yield ParamProblem(("consent", index), f"'{statement}' is not a consent statement id")

    def extra_conditions(self) -> list[str]:
        consent = [
            f"preferences.{statement.removeprefix('preferences.')}.isConsentGranted = true"
            for statement in self.params.get("consent") or []
        ]
        return consent if self.partition is None else [*consent, f"UID regex ('{self.partition}')"]


class ReadDataStore(_SearchReader):
    """Data Store objects of one type (``from``), via ds.search; a delta window only with ``deltaField``."""

    type: ClassVar[str] = "datasource.read.gigya.ds"
    method: ClassVar[str] = "ds.search"
    noun: ClassVar[str] = "objects"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        yield from super().check_params(params)
        source = params.get("from")
        if isinstance(source, str) and not query.is_field(source):
            yield ParamProblem(("from",), f"'{source}' is not a Data Store type name")


class ReadAudit(_SearchReader):
    """Audit-log entries (``FROM auditLog``), via audit.search; ``deltaField`` ``@timestamp`` reads a window."""

    type: ClassVar[str] = "datasource.read.gigya.audit"
    method: ClassVar[str] = "audit.search"
    noun: ClassVar[str] = "audit entries"

    def source_name(self) -> str:
        return "auditLog"

    def delta_condition(self, field: str, since: datetime) -> str:
        """``@timestamp`` holds ISO-8601 text in the audit log (gigya.md §4.8), so the bound is an ISO literal."""
        if field == "@timestamp":
            return f"{field} > {query.quote_string(iso(since))}"
        return super().delta_condition(field, since)
