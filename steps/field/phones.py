"""``field.phone.e164``: every phone number of a record, read with libphonenumber, picked into fields as E.164.

Why a component and not an expression: a Gigya account keeps ``profile.phones`` as a list of ``{type, number}``
in whatever form the person typed (``+49 1512 3456789``, ``01512 3456789``, ``(201) 555-0123``), in any order,
and an SMS program needs one mobile number in E.164 (``+4915123456789``). Finding it means looking at every
phone, knowing the country a national number belongs to, and knowing whether a number is a mobile number at all:
that is Google's libphonenumber (the ``phonenumbers`` package), not a regular expression.

Each target takes the first number, in the record's order, whose own type is one of its ``types`` (the phone the
person called mobile), else the first whose libphonenumber line type is one of its ``lineTypes`` (a mobile
number entered as "home"), and never one an earlier target took; a target nothing matches is set to null. A number that
cannot be read (or is not a valid number of its region) is left out and counted, or, with
``invalidNumbers: error``, sends the record down the error path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from dataflow.component import ParamProblem, Record, RecordStep
from dataflow.errors import RecordError
from dataflow.fieldpath import MISSING, compile_getter, compile_setter
from dataflow.runtime.context import StepContext

LINE_TYPES = {
    "mobile": PhoneNumberType.MOBILE,
    "fixedLine": PhoneNumberType.FIXED_LINE,
    "fixedLineOrMobile": PhoneNumberType.FIXED_LINE_OR_MOBILE,
    "voip": PhoneNumberType.VOIP,
    "tollFree": PhoneNumberType.TOLL_FREE,
    "premiumRate": PhoneNumberType.PREMIUM_RATE,
    "pager": PhoneNumberType.PAGER,
    "personal": PhoneNumberType.PERSONAL_NUMBER,
}


@dataclass
class Phone:
    kind: str  # the record's own type of the phone ("mobile", "home"), lower case; "" when not given
    e164: str
    line_type: int


@dataclass
class Target:
    set: Any
    types: frozenset[str]
    line_types: frozenset[int]

    def choose(self, phones: list[Phone], taken: set[int]) -> int | None:
        """The first free phone of an accepted type; else the first whose line type is accepted."""
        free = [index for index in range(len(phones)) if index not in taken]
        if not self.types and not self.line_types:
            return free[0] if free else None
        typed = next((index for index in free if phones[index].kind in self.types), None)
        if typed is not None:
            return typed
        return next((index for index in free if phones[index].line_type in self.line_types), None)


class PhoneE164(RecordStep):
    """Normalise the phone numbers of ``field`` to E.164 and pick them into ``targets``."""

    type: ClassVar[str] = "field.phone.e164"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterable[ParamProblem]:
        region = params.get("defaultRegion")
        if isinstance(region, str) and region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            yield ParamProblem(("defaultRegion",), f"'{region}' is not a region libphonenumber knows (ISO 3166 code)")

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self.get_phones = compile_getter(params.get("field") or "profile.phones")
        self.get_region = compile_getter(params["regionField"]) if params.get("regionField") else None
        self.default_region = (params.get("defaultRegion") or "").upper() or None
        self.number_key = params.get("numberField") or "number"
        self.type_key = params.get("typeField") or "type"
        self.strict = (params.get("validation") or "valid") == "valid"
        self.fail = params.get("invalidNumbers") == "error"
        self.targets = [
            Target(
                compile_setter(item["targetField"]),
                frozenset(kind.lower() for kind in item.get("types") or []),
                frozenset(LINE_TYPES[name] for name in item.get("lineTypes") or []),
            )
            for item in params["targets"]
        ]
        self.left_out = 0

    def process(self, record: Record) -> Record:
        phones, problems = self._phones(record)
        if problems and self.fail:
            raise RecordError(f"phone number(s) that are not valid numbers: {'; '.join(problems)}")
        self.left_out += len(problems)
        taken: set[int] = set()
        for target in self.targets:
            chosen = target.choose(phones, taken)
            if chosen is not None:
                taken.add(chosen)
            target.set(record, phones[chosen].e164 if chosen is not None else None)
        return record

    def _phones(self, record: Record) -> tuple[list[Phone], list[str]]:
        value = self.get_phones(record)
        if value is MISSING or value is None or value == "":
            return [], []
        items = value if isinstance(value, list) else [value]
        region = self.default_region
        if self.get_region is not None:
            found = self.get_region(record)
            if isinstance(found, str) and found.upper() in phonenumbers.SUPPORTED_REGIONS:
                region = found.upper()
        phones: list[Phone] = []
        problems: list[str] = []
        for item in items:
            if isinstance(item, dict):
                text, kind = item.get(self.number_key), item.get(self.type_key)
            else:
                text, kind = item, None
            if text is None or str(text).strip() == "":
                continue
            phone, problem = self._read(str(text), str(kind or "").lower(), region)
            if phone is not None:
                phones.append(phone)
            else:
                problems.append(problem)
        return phones, problems

    def _read(self, text: str, kind: str, region: str | None) -> tuple[Phone | None, str]:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException as problem:
            return None, f"'{text}': {problem.args[0] if problem.args else problem}".rstrip(".")
        # number_type is UNKNOWN exactly when the number matches none of its region's ranges, which is what
        # is_valid_number checks: one pass over the patterns instead of two
        line_type = phonenumbers.number_type(number)
        usable = line_type != PhoneNumberType.UNKNOWN if self.strict else phonenumbers.is_possible_number(number)
        if not usable:
            return None, f"'{text}' is not a {'valid' if self.strict else 'possible'} number"
        return Phone(kind, phonenumbers.format_number(number, PhoneNumberFormat.E164), line_type), ""

    def close(self) -> None:
        if self.left_out:
            self.context.info(f"{self.left_out:,} phone number(s) were not valid numbers and were left out")
        super().close()
