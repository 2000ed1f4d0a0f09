"""``field.phone.e164``: every phone of a record read with libphonenumber, picked into fields in E.164."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dataflow.testing import build_component, drive

SMS = {"targetField": "MobilePhone", "types": ["mobile"], "lineTypes": ["mobile", "fixedLineOrMobile"]}


def run(tmp_path: Path, params: dict[str, Any], records: list[dict[str, Any]]) -> tuple[list, list]:
    return drive(build_component("field.phone.e164", params, tmp_path / "w"), [records])


def test_the_mobile_is_found_among_every_phone_and_normalised(tmp_path: Path) -> None:
    records = [
        {  # a mobile typed "home", after an invalid home number and a landline
            "country": "DE",
            "profile": {
                "phones": [
                    {"type": "home", "number": "+49 12"},
                    {"type": "work", "number": "030 1234567"},
                    {"type": "home", "number": "01512 3456789"},
                ]
            },
        },
        {"country": "GB", "profile": {"phones": [{"type": "mobile", "number": "07400 123456"}]}},  # national, GB
        {"profile": {"phones": [{"type": "mobile", "number": "(201) 555-0123"}]}},  # no region: defaultRegion US
        {"profile": {"phones": []}},
        {"profile": {}},
    ]
    params = {"targets": [SMS, {"targetField": "Phone"}], "regionField": "country", "defaultRegion": "US"}
    out, rejected = run(tmp_path, params, records)
    assert rejected == []
    assert [(r["MobilePhone"], r["Phone"]) for r in out] == [
        ("+4915123456789", "+49301234567"),
        ("+447400123456", None),
        ("+12015550123", None),
        (None, None),
        (None, None),
    ]


def test_a_typed_mobile_wins_over_an_earlier_mobile_number_and_no_number_is_used_twice(tmp_path: Path) -> None:
    phones = [{"type": "work", "number": "+49 1512 1111111"}, {"type": "mobile", "number": "+49 1512 2222222"}]
    out, _ = run(tmp_path, {"targets": [SMS, {"targetField": "Phone"}]}, [{"profile": {"phones": phones}}])
    assert (out[0]["MobilePhone"], out[0]["Phone"]) == ("+4915122222222", "+4915121111111")


def test_invalid_numbers_are_left_out_or_fail_the_record(tmp_path: Path) -> None:
    records = [{"phone": "not a phone"}, {"phone": "+1 123"}, {"phone": "+33 6 12 34 56 78"}]
    out, rejected = run(tmp_path, {"field": "phone", "targets": [{"targetField": "phone"}]}, [dict(r) for r in records])
    assert [r["phone"] for r in out] == [None, None, "+33612345678"]
    params = {"field": "phone", "targets": [{"targetField": "e164"}], "invalidNumbers": "error"}
    out, rejected = run(tmp_path, params, [dict(r) for r in records])
    assert [r["e164"] for r in out] == ["+33612345678"]
    prefix = "phone number(s) that are not valid numbers: "
    assert [reason for _, reason, _ in rejected] == [
        prefix + "'not a phone': The string supplied did not seem to be a phone number",
        prefix + "'+1 123' is not a valid number",
    ]
    possible = {"field": "phone", "targets": [{"targetField": "e164"}], "validation": "possible"}
    out, _ = run(tmp_path, possible, [{"phone": "+1 123 4567890"}])  # the right length, not a real US range
    assert out[0]["e164"] == "+11234567890"
