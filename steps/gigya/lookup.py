"""``datasource.lookup.gigya.*``: enrich records from Gigya and pass them on.

The account lookup asks one ``accounts.search`` per ``batchSize`` records (``maxConcurrency`` of them at once)
instead of one per record, then matches the answers back to the records on this side: values are compared as
text, lower-cased unless ``isCaseSensitive``, and an array field (``loginIDs.emails``) matches on any element.
Matches merge into the record (``handleFieldConflicts``); no match, one, or several each take the route the
step's ``*Behavior`` params name. Gigya fields added to the query only for matching are dropped again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from dataflow.component import ParamProblem, Record, RecordStep
from dataflow.errors import RecordError
from dataflow.fieldpath import clone, compile_getter
from dataflow.runtime.context import StepContext
from steps.gigya import query
from steps.gigya.base import GigyaStep
from steps.gigya.errors import GigyaApiError
from steps.gigya.lookup_query import LookupField, candidate_matches, lookup_condition, record_values
from steps.gigya.records import deep_merge, remove_path

SEARCH_PAGE = 1000


class LookupAccount(GigyaStep, RecordStep):
    """Finds each record's account by ``lookupFields`` and merges the selected fields into the record."""

    type: ClassVar[str] = "datasource.lookup.gigya.account"
    concurrency_param: ClassVar[str] = "maxConcurrency"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        try:
            query.parse_select(params.get("select") or "*")
        except query.QueryError as problem:
            yield ParamProblem(("select",), problem.message, problem.offset)
        for index, spec in enumerate(params.get("lookupFields") or []):
            field = spec.get("gigyaField") if isinstance(spec, dict) else None
            if isinstance(field, str) and not query.is_field(field):
                yield ParamProblem(("lookupFields", index, "gigyaField"), f"'{field}' is not a Gigya field path")

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self.case_sensitive = bool(params["isCaseSensitive"])
        self.fields = [
            LookupField(compile_getter(spec["sourceField"]), spec["gigyaField"]) for spec in params["lookupFields"]
        ]
        selected = query.parse_select(params.get("select") or "*")
        plain = [item.path for item in selected if item.alias is None]
        covered = "*" in plain
        self.extra: list[tuple[str, ...]] = []  # fetched only to match on; removed before merging
        items = list(selected)
        for field in self.fields:
            fetched = covered or any(field.path == p or field.path.startswith(p + ".") for p in plain)
            if not fetched and field.parts not in self.extra:
                self.extra.append(field.parts)
                items.append(query.SelectItem(field.path))
        self.select = query.render_select(items)

    def process_batch(self, items: list[Record]) -> list[Record]:
        if not items:
            return []
        assert self.workers is not None
        size = int(self.params["batchSize"])
        chunks = [items[start : start + size] for start in range(0, len(items), size)]
        output: list[Record] = []
        for chunk, (matches, failure) in zip(chunks, self.workers.map(self._search, chunks), strict=True):
            if failure is not None:
                for record in chunk:
                    if isinstance(failure, GigyaApiError):
                        record["_response"] = failure.response
                    self.reject(record, failure.message, **failure.details)
                continue
            for record, found in zip(chunk, matches, strict=True):
                output.extend(self._route(record, found))
        return output

    def _search(self, chunk: list[Record]) -> list[list[dict[str, Any]]]:
        """One query for the chunk; the accounts each record matches, in the order Gigya returned them."""
        client = self.site
        values = [record_values(record, self.fields) for record in chunk]
        operator = self.params["lookupFieldsOperator"]
        condition = lookup_condition(self.fields, values, operator, self.case_sensitive)
        if not condition:
            return [[] for _ in chunk]
        text = query.build(self.select, self.params["from"], [condition], limit=SEARCH_PAGE)
        results: list[dict[str, Any]] = []
        for page in client.search("accounts.search", text):
            results.extend(page.get("results") or [])
        return candidate_matches(results, self.fields, values, operator, self.case_sensitive)

    def _route(self, record: Record, found: list[dict[str, Any]]) -> list[Record]:
        params = self.params
        if not found:
            if params["mismatchBehavior"] == "error":
                self.reject(record, f"no account matches ({self._describe(record)})", matches=0)
                return []
            return [record]
        if params["matchBehavior"] == "error":
            self.reject(record, f"{len(found)} account(s) match ({self._describe(record)})", matches=len(found))
            return []
        if len(found) > 1:
            if params["multiMatchBehavior"] == "error":
                self.reject(record, f"{len(found)} accounts match ({self._describe(record)})", matches=len(found))
                return []
            if params["separateMultiMatches"]:
                return [self._merge(clone(record), account) for account in found]
        return [self._merge(record, found[0])]

    def _merge(self, record: Record, account: dict[str, Any]) -> Record:
        account = clone(account)
        for parts in self.extra:
            remove_path(account, parts)
        return deep_merge(record, account, take_new=self.params["handleFieldConflicts"] == "take_lookup")

    def _describe(self, record: Record) -> str:
        values = record_values(record, self.fields)
        shown = [f"{f.path}={v[0]!r}" for f, v in zip(self.fields, values, strict=True) if v]
        return ", ".join(shown) or "no lookup value"


class LookupGameMechanics(GigyaStep, RecordStep):
    """Adds ``achievements`` (gm.getChallengeStatus) to each record, by its ``UID``."""

    type: ClassVar[str] = "datasource.lookup.gigya.gm"
    concurrency_param: ClassVar[str] = "maxConcurrency"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._uid = compile_getter(params["uidField"])

    def _fetch(self, record: Record) -> dict[str, Any]:
        uid = self._uid(record)
        if not isinstance(uid, str) or not uid:
            raise RecordError(f"the record has no {self.params['uidField']} to look up")
        call: dict[str, Any] = {"UID": uid, "includeChallenges": self.params["includeChallenges"]}
        if self.params.get("excludeChallenges"):
            call["excludeChallenges"] = self.params["excludeChallenges"]
        return self.call("gm.getChallengeStatus", call)

    def process_batch(self, items: list[Record]) -> list[Record]:
        if not items:
            return []
        assert self.workers is not None
        output = []
        for record, (response, failure) in zip(items, self.workers.map(self._fetch, items), strict=True):
            if failure is not None:
                if isinstance(failure, GigyaApiError):
                    record["_response"] = failure.response
                self.reject(record, failure.message, **failure.details)
                continue
            record["achievements"] = response.get("achievements") or []
            output.append(record)
        return output
