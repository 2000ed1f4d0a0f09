"""sObjects: field definitions, records, the checks a write must pass, and a small SOQL subset to read them.

Object and field names are case-insensitive, as in Salesforce. A write is refused with Salesforce's
``CODE:message:fields --`` form: ``REQUIRED_FIELD_MISSING`` (an Account needs ``Name`` or, as a person account,
``LastName``), ``INVALID_EMAIL_ADDRESS``, ``INVALID_TYPE_ON_FIELD_IN_RECORD`` (booleans, numbers, dates),
``STRING_TOO_LONG``. SOQL: ``SELECT f1, f2 FROM Object [WHERE f = 'v' [AND ...]] [LIMIT n]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
ACCOUNT_FIELDS = {
    "Name": "string",
    "FirstName": "string",
    "LastName": "string",
    "Phone": "phone",
    "PersonMailingPostalCode": "string",
    "PersonMailingCity": "string",
    "PersonMailingCountry": "string",
    "ZZ00_rtl_id__c": "string",
    "Unique_Email_Gigya__c": "email",
    "AddressTest__c": "textarea",
    "Verified__c": "boolean",
    "Create_time__c": "datetime",
    "Last_login_time__c": "datetime",
    "Age__c": "double",
    "Bio__c": "textarea",
    "BirthDay__c": "double",
    "BirthMonth__c": "double",
    "BirthYear__c": "double",
    "Gender__c": "string",
    "Golf_Handicap_Number__pc": "string",
}
EXTERNAL_IDS = {"ZZ00_rtl_id__c", "Unique_Email_Gigya__c"}
MAX_LENGTH = {"string": 255, "phone": 40, "email": 80, "textarea": 32_768}
_SOQL = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(r"^\s*(\w+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*$")


class WriteRefused(Exception):
    pass


@dataclass
class SObject:
    name: str
    fields: dict[str, str]  # canonical name -> type
    external_ids: frozenset[str]
    prefix: str
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # Id -> record

    def canonical(self, given: str) -> str | None:
        lowered = given.strip().lower()
        if lowered == "id":
            return "Id"
        return next((name for name in self.fields if name.lower() == lowered), None)

    def convert(self, name: str, raw: str) -> Any:
        kind = self.fields[name]
        wrong_type = WriteRefused(
            f"INVALID_TYPE_ON_FIELD_IN_RECORD:{name}: value not of required type: {raw}:{name} --"
        )
        if raw == "" or (raw == "#N/A" and kind != "string"):
            return None
        if kind == "boolean":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise wrong_type
            return raw.lower() in ("true", "1")
        if kind == "double":
            try:
                return float(raw)
            except ValueError:
                raise wrong_type from None
        if kind == "datetime":
            try:
                datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                raise wrong_type from None
        if kind == "email" and not EMAIL.match(raw):
            raise WriteRefused(f"INVALID_EMAIL_ADDRESS:{name}: invalid email address: {raw}:{name} --")
        if len(raw) > MAX_LENGTH.get(kind, 255):
            raise WriteRefused(
                f"STRING_TOO_LONG:{name}: data value too large: {raw[:20]}... (max length="
                f"{MAX_LENGTH.get(kind, 255)}):{name} --"
            )
        return raw

    def upsert(self, row: dict[str, str], external_id: str, serial: int) -> tuple[str, bool]:
        """``(Id, created)``; ``WriteRefused`` leaves the records as they were."""
        values = {name: self.convert(name, raw) for name, raw in row.items() if name != "Id"}
        key = values.get(external_id) if external_id != "Id" else row.get("Id")
        existing = None
        if key not in (None, ""):
            existing = next((r for r in self.records.values() if r.get(external_id) == key), None)
        elif external_id != "Id":
            raise WriteRefused(f"MISSING_ARGUMENT:{external_id} not specified:--")
        merged = {**(existing or {}), **values}
        if self.name == "Account" and not (merged.get("Name") or merged.get("LastName")):
            raise WriteRefused("REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --")
        if existing is None:
            record_id = f"{self.prefix}{serial:015d}"[:18]
            self.records[record_id] = {"Id": record_id, **values}
            return record_id, True
        existing.update(values)
        return existing["Id"], False

    def view(self, record: dict[str, Any], fields: list[str] | None, base: str) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "attributes": {"type": self.name, "url": f"{base}/sobjects/{self.name}/{record['Id']}"}
        }
        for name in fields or ["Id", *self.fields]:
            canonical = self.canonical(name) or name
            shown[canonical] = record.get(canonical)
        return shown


def parse_soql(text: str) -> tuple[list[str], str, list[tuple[str, str]], int | None]:
    found = _SOQL.match(text)
    if not found:
        raise ValueError(f"unexpected token in SOQL: {text[:60]}")
    conditions = []
    for part in re.split(r"\s+AND\s+", found["where"] or "", flags=re.IGNORECASE) if found["where"] else []:
        condition = _CONDITION.match(part)
        if not condition:
            raise ValueError(f"only field = 'value' conditions joined by AND are supported, not: {part}")
        conditions.append((condition.group(1), condition.group(2).replace("\\'", "'")))
    fields = [f.strip() for f in found["fields"].split(",") if f.strip()]
    return fields, found["object"], conditions, int(found["limit"]) if found["limit"] else None


def standard_objects() -> dict[str, SObject]:
    contact = {"FirstName": "string", "LastName": "string", "Email": "email", "Gigya_UID__c": "string"}
    return {
        "account": SObject("Account", dict(ACCOUNT_FIELDS), frozenset(EXTERNAL_IDS), "001"),
        "contact": SObject("Contact", contact, frozenset({"Gigya_UID__c"}), "003"),
        "lead": SObject("Lead", {**contact, "Company": "string"}, frozenset({"Gigya_UID__c"}), "00Q"),
    }
