"""The partner stand-ins for the conformance suite: every example of every partner component runs against them.

The suite feeds writers its own two sample records (``UID``, ``GigyaUid``, ``EMAIL``, ``profile``, ``data``), so
these sandboxes are private to the suite and know those fields (a Marketo custom field, Salesforce fields, a data
extension). Readers get an **empty** list (nothing to read) without a sample file and a **populated** one with it.

    @pytest.fixture(scope="module")
    def mailchimp_service():
        from tests.partners.conformance import running

        with running("mailchimp") as stand_in:
            yield stand_in
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.rest import PartnerSandbox
from sandbox.salesforce.objects import SObject
from sandbox.sfmc.extensions import DataExtension
from tests.partners import stand_ins

SAMPLE_FIELDS = ("UID", "GigyaUid", "EMAIL", "profile")
ALWAYS = (
    "listId",
    "startDate",
    "objectType",
    "emailField",
)  # params the suite sets even where an example leaves them out


class PartnerStandIn:
    def __init__(self, name: str, sandbox: PartnerSandbox, empty: dict[str, Any], populated: dict[str, Any]) -> None:
        self.name, self.sandbox, self.empty, self.populated = name, sandbox, empty, populated

    def example_params(self, example: dict[str, Any], sample_file: str | None = None) -> dict[str, Any]:
        info = self.sandbox.info()
        connection = {
            "mailchimp": {"apiUrl": info.get("apiUrl"), "apiKey": info.get("apiKey"), "batchPollSeconds": 0.02},
            "marketo": {
                "baseUrl": info.get("baseUrl"),
                "clientId": info.get("clientId"),
                "clientSecret": info.get("clientSecret"),
            },
            "campaignmonitor": {"apiUrl": info.get("apiUrl"), "apiKey": info.get("apiKey")},
            "constantcontact": {
                k: info.get(k) for k in ("apiUrl", "apiKey", "accessToken", "refreshToken", "clientSecret", "tokenUrl")
            },
            "salesforce": {
                "username": info.get("username"),
                "password": info.get("password"),
                "token": info.get("securityToken"),
                "authEndpoint": info.get("authEndpoint"),
                "jobPollSeconds": 0.02,
                "primaryId": "UID",
                "lookupId": "UID",
            },
            "sfmc": {
                "clientId": info.get("clientId"),
                "clientSecret": info.get("clientSecret"),
                "authUrl": info.get("legacyAuthUrl"),
                "restUrl": info.get("restUrl"),
                "pollSeconds": 0.02,
                "dataExtension": "Conformance",
                "primaryKeys": "UID",
            },
            "bluekai": {
                "domain": info.get("domain"),
                "secretKey": info.get("secretKey"),
                "siteId": info.get("siteId"),
                "bkuid": info.get("bkuid"),
            },
        }[self.name]
        params = {**example, **connection, **stand_ins.FAST}
        chosen = self.populated if sample_file is not None else self.empty
        params.update({key: value for key, value in chosen.items() if key in example or key in ALWAYS})
        known = _properties(example)
        return {key: value for key, value in params.items() if value is not None and key in known}


def _properties(example: dict[str, Any]) -> set[str]:
    """The params of the component this example documents (so a reader is not given a writer's knobs)."""
    from dataflow.registry import default_registry

    registry = default_registry()
    for type_name in registry.types():
        schema = registry.get(type_name).schema
        if example in schema.get("examples", []):
            return set(schema.get("properties", {}))
    raise LookupError(f"no component documents the example {example}")


def _prepare(name: str, sandbox: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Extra fields for the suite's records, and the (empty, populated) params of a reader."""
    now = sandbox.clock.now()
    email = f"conformance-{uuid.uuid4().hex[:6]}@example.org"
    if name == "mailchimp":
        empty = sandbox.add_audience("Empty", {})
        sandbox.put_member(email, "subscribed", {"UID": "u1"})
        return {"listId": empty}, {"listId": sandbox.list_id}
    if name == "marketo":
        for field in SAMPLE_FIELDS:
            sandbox.database.fields[field.lower()] = (field, "string", False)
        sandbox.put_lead({"email": email, "UID": "u1"})
        future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        recent = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"startDate": future}, {"startDate": recent}
    if name == "campaignmonitor":
        empty = sandbox.add_list("Empty", ())
        listing = sandbox.lists[sandbox.list_id]
        listing.upsert({"EmailAddress": email, "Name": "C"}, True, now)
        listing.unsubscribe(email, now)
        return {"listId": empty, "emailField": "EMAIL"}, {"listId": sandbox.list_id, "emailField": "EMAIL"}
    if name == "constantcontact":
        for field in ("uid", "gigyauid", "profile"):
            sandbox.book.add_custom_field(field)
        empty = str(uuid.uuid4())
        sandbox.book.lists[empty] = "Empty"
        sandbox.book.upsert({"email": email}, [sandbox.list_id], now)
        return {"listId": empty}, {"listId": sandbox.list_id}
    if name == "salesforce":
        fields = dict.fromkeys(SAMPLE_FIELDS, "textarea")
        sandbox.objects["conformance__c"] = SObject("Conformance__c", fields, frozenset({"UID"}), "a00")
        return {"objectType": "Conformance__c"}, {"objectType": "Conformance__c"}
    if name == "sfmc":
        fields = {field: ("Text", 4000) for field in SAMPLE_FIELDS}
        sandbox.extensions["conformance"] = DataExtension("Conformance", fields, ("UID",))
        return {}, {}
    return {}, {}


@contextmanager
def running(name: str) -> Iterator[PartnerStandIn]:
    sandbox = stand_ins.KINDS[name](seed=29).start()
    try:
        empty, populated = _prepare(name, sandbox)
        yield PartnerStandIn(name, sandbox, empty, populated)
    finally:
        sandbox.stop()
