"""``datasource.write.gigya.*``: one Gigya call per record, ``maxConnections`` of them in flight.

A batch is spread over the step's thread pool and leaves in input order. Each call retries transient
failures itself (back-off with jitter); a record whose call fails for good is rejected with Gigya's answer
in ``_response`` (errorCode, errorMessage, callId, ...) so it goes down the step's ``error`` path.
``addResponse`` keeps the answer in ``_response`` on success too (``_response.UID`` after an import, say).

A call is retried after a dropped connection, and the dropped call may have been carried out with only its
answer lost. Calls that create something therefore name it themselves: an import without a UID sends a UID
generated here (not ``createUID``) and a Data Store object without an oid an oid generated here (not
``auto``), so a retry finds what the lost attempt created instead of creating it twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

from dataflow.component import ParamProblem, Record, RecordStep
from dataflow.errors import RecordError
from dataflow.fieldpath import MISSING, compile_getter
from dataflow.runtime.context import StepContext
from steps.gigya import fields
from steps.gigya.base import GigyaStep
from steps.gigya.errors import GigyaApiError
from steps.gigya.records import unflatten

# The client adds these itself; a record or an apiParams entry may never set them.
AUTH_PARAMS = frozenset({"apiKey", "userKey", "secret", "sig", "timestamp", "nonce", "format", "httpStatusCodes"})


class _Writer(GigyaStep, RecordStep):
    """Calls ``self.request(record)`` for every record on the pool; subclasses build the call."""

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._warned: set[str] = set()

    def request(self, record: Record) -> tuple[str, dict[str, Any]]:
        """The method and params of the call for ``record``; raise ``RecordError`` when it cannot be made."""
        raise NotImplementedError

    def accept(self, record: Record, response: dict[str, Any]) -> None:
        """A chance to turn a successful answer into a failure (``handleIdentityConflicts``)."""

    def _write(self, record: Record) -> dict[str, Any]:
        method, params = self.request(record)
        return self.call(method, params)

    def process_batch(self, items: list[Record]) -> list[Record]:
        if not items:
            return []
        assert self.workers is not None
        add_response = bool(self.params.get("addResponse"))
        output: list[Record] = []
        for record, (response, failure) in zip(items, self.workers.map(self._write, items), strict=True):
            if failure is None:
                try:
                    self.accept(record, response)
                except RecordError as refused:
                    failure = refused
            if failure is not None:
                if isinstance(failure, GigyaApiError):
                    record["_response"] = failure.response
                elif "_response" in failure.details:
                    record["_response"] = failure.details.pop("_response")
                self.reject(record, failure.message, **failure.details)
                continue
            if add_response:
                record["_response"] = response
            output.append(record)
        return output

    def warn_once(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self.context.warn(message)


class _AccountWriter(_Writer):
    method: ClassVar[str] = ""
    allowed: ClassVar[frozenset[str]] = frozenset()

    def account_params(self, record: Record) -> dict[str, Any]:
        """The record's call params: known fields of the method (nested), everything else left out and named once."""
        nested = unflatten({k: v for k, v in record.items() if not k.startswith("_")})
        params = {key: value for key, value in nested.items() if key in self.allowed}
        ignored = sorted(key for key in nested if key not in self.allowed)
        if ignored:
            self.warn_once(
                ",".join(ignored), f"fields not sent to {self.method} (not among its params): {', '.join(ignored)}"
            )
        return params


class WriteAccount(_AccountWriter):
    """A partial update of the account the record's ``UID`` names (accounts.setAccountInfo); other fields merge."""

    type: ClassVar[str] = "datasource.write.gigya.account"
    method: ClassVar[str] = "accounts.setAccountInfo"
    allowed: ClassVar[frozenset[str]] = fields.SET_ACCOUNT_INFO

    def request(self, record: Record) -> tuple[str, dict[str, Any]]:
        params = self.account_params(record)
        if params.get("UID") in (None, ""):
            raise RecordError("the record has no UID to update")
        return self.method, params


class ImportAccount(_AccountWriter):
    """Full accounts into Gigya (accounts.importFullAccount) with ``importPolicy`` insert or upsert."""

    type: ClassVar[str] = "datasource.write.gigya.importaccount"
    method: ClassVar[str] = "accounts.importFullAccount"
    allowed: ClassVar[frozenset[str]] = fields.IMPORT_FULL_ACCOUNT

    def request(self, record: Record) -> tuple[str, dict[str, Any]]:
        params = self.account_params(record)
        if params.get("UID") in (None, ""):
            params["UID"] = uuid.uuid4().hex  # a new account named here, so a retried call cannot make a second
        params["importPolicy"] = self.params["importPolicy"]
        return self.method, params

    def _write(self, record: Record) -> dict[str, Any]:
        method, params = self.request(record)
        try:
            response = self.call(method, params)
        except GigyaApiError as failure:
            # An insert retried after a lost answer finds the account it created itself: that is a success.
            if failure.uncertain and failure.code == 400003 and self.params["importPolicy"] == "insert":
                self.warn_once("uncertain-insert", "an insert was retried after a lost answer and found its account")
                response = {**failure.response, "errorCode": 0, "retriedInsert": True}
            else:
                raise
        response.setdefault("UID", params["UID"])
        return response

    def accept(self, record: Record, response: dict[str, Any]) -> None:
        conflicts = response.get("identityConflicts")
        if conflicts and self.params["handleIdentityConflicts"] == "fail":
            raise RecordError(
                f"identity conflicts: {len(conflicts)}", _response=response, errorCode=response.get("errorCode", 0)
            )


class WriteGeneric(_Writer):
    """Any Gigya method, one call per record, params taken from record fields or constants (``apiParams``)."""

    type: ClassVar[str] = "datasource.write.gigya.generic"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        for index, spec in enumerate(params.get("apiParams") or []):
            name = spec.get("paramName") if isinstance(spec, dict) else None
            if name in AUTH_PARAMS:
                yield ParamProblem(("apiParams", index, "paramName"), f"'{name}' is set by the connection, not here")

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self._params = [
            (name, compile_getter(spec["sourceField"]) if "sourceField" in spec else None, spec.get("value"))
            for spec in params.get("apiParams") or []
            for name in [spec["paramName"]]
        ]

    def request(self, record: Record) -> tuple[str, dict[str, Any]]:
        values: dict[str, Any] = {}
        for name, getter, constant in self._params:
            value = constant if getter is None else getter(record)
            if value is not MISSING:
                values[name] = value
        return self.params["apiMethod"], values


class WriteDataStore(_Writer):
    """Data Store objects (ds.store) of one ``type``; ``oid`` from the record or generated here, ``UID`` optional."""

    type: ClassVar[str] = "datasource.write.gigya.ds"

    def request(self, record: Record) -> tuple[str, dict[str, Any]]:
        nested = unflatten({k: v for k, v in record.items() if not k.startswith("_")})
        oid = nested.pop("oid", None)
        behavior = self.params["updateBehavior"]
        if oid in (None, "", "auto"):
            # A new object named here, not by "auto": a call retried after a lost answer stores this object again
            # instead of a second one, and replacing an object this call created is what creating it does.
            oid, behavior = uuid.uuid4().hex, "replace"
        uid = nested.pop("UID", None)
        data = nested
        if isinstance(nested.get("data"), dict) and nested["data"]:  # a DS object: {oid, UID, data, lastUpdated}
            data = nested["data"]
            ignored = sorted(key for key in nested if key != "data")
            if ignored:
                self.warn_once(",".join(ignored), f"fields outside 'data' not stored: {', '.join(ignored)}")
        elif nested.get("data") in ({}, None):
            data = {key: value for key, value in nested.items() if key != "data"}
        if not data:
            raise RecordError("the record has no data to store")
        params: dict[str, Any] = {
            "type": self.params["type"],
            "oid": oid,
            "data": data,
            "updateBehavior": behavior,
        }
        if uid not in (None, ""):
            params["UID"] = uid
        return "ds.store", params
