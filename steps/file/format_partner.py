"""``file.format.aam`` and ``file.format.krux``: the line formats two data-management platforms ingest.

Both write one line per record: the user's id, then the record's other fields as traits. Nested objects are
flattened with dots (``profile.gender``); empty values (null, "", empty lists) are left out; booleans are
``true``/``false``. A record without an id, or with a value the format cannot carry (its separators, line
breaks), goes down the error path with the reason: nothing is altered or dropped quietly.

- **Adobe Audience Manager** inbound data file (``file.format.aam``): ``<user id><TAB>"key"="value","key"="value"``
  with every key and value in double quotes; a list gives one pair per element. The file is named as AAM's
  inbound FTP/S3 ingestion requires: ``ftp_dpm_<dpid>_<UNIX time in seconds>.sync`` (``.overwrite`` with
  ``overwrite``), unless ``fileName`` says otherwise. The template's only param is ``dpid``.
- **Krux / Salesforce Audience Studio** first-party user attributes (``file.format.krux``):
  ``<user id>^attribute:value;attribute:value1,value2`` (caret after the id, semicolons between attributes,
  commas between the values of a multi-valued attribute). A list of objects (Gigya's ``likes``) gives the
  objects' ``name`` values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dataflow.component import ParamProblem, Record
from dataflow.errors import RecordError
from dataflow.runtime.context import StepContext
from steps.file.format_json import _JsonFormatter

_LINE_BREAKS = ("\n", "\r")


def traits(record: Record, skip: str, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted name, value) for every non-empty leaf of the record but ``skip``; lists stay whole."""
    for key, value in record.items():
        name = f"{prefix}{key}"
        if name == skip or value is None or value == "" or value == [] or value == {}:
            continue
        if isinstance(value, dict):
            yield from traits(value, skip, f"{name}.")
        else:
            yield name, value


def text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


class _LineFormatter(_JsonFormatter):
    """One line per record, streamed to disk as the JSON-lines writer does; subclasses say what a line holds."""

    default_user_id: ClassVar[str] = "UID"
    default_name: ClassVar[str] = "file.txt"

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        super().__init__(params, context)
        self.user_id_field = str(params.get("userIdField") or self.default_user_id)

    def line(self, user_id: str, record: Record) -> str:
        raise NotImplementedError

    def user_id(self, record: Record) -> str:
        value = record.get(self.user_id_field)
        if value is None or value == "":
            raise RecordError(f"the record has no {self.user_id_field} (the user id; see userIdField)")
        shown = text(value)
        if any(mark in shown for mark in ("\t", "^", *_LINE_BREAKS)):
            raise RecordError(f"the user id {shown!r} holds a tab, caret or line break")
        return shown

    def encode(self, record: Record) -> bytes:
        return self.line(self.user_id(record), record).encode("utf-8")

    def terminator(self) -> bytes:
        return b"\n"


class FormatAam(_LineFormatter):
    """Records → an Adobe Audience Manager inbound data file (``ftp_dpm_<dpid>_<time>.sync``)."""

    type: ClassVar[str] = "file.format.aam"

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> Iterator[ParamProblem]:
        dpid = str(params.get("dpid", ""))
        if "${" not in dpid and not dpid.isdigit():
            yield ParamProblem(("dpid",), f"dpid must be the data source id AAM assigned (digits), not {dpid!r}")

    def __init__(self, params: dict[str, Any], context: StepContext) -> None:
        if not params.get("fileName"):
            suffix = "overwrite" if params.get("overwrite") else "sync"
            params = {**params, "fileName": f"ftp_dpm_{params['dpid']}_{int(context.job.now.timestamp())}.{suffix}"}
        super().__init__(params, context)

    def line(self, user_id: str, record: Record) -> str:
        pairs = []
        for name, value in traits(record, self.user_id_field):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict | list):
                    raise RecordError(f"field {name!r} holds objects; AAM traits are plain values")
                pairs.append(f'"{_aam(name, name)}"="{_aam(text(item), name)}"')
        if not pairs:
            raise RecordError("the record has no trait values besides the user id")
        return f"{user_id}\t{','.join(pairs)}"


def _aam(value: str, field: str) -> str:
    if '"' in value or "\t" in value or any(mark in value for mark in _LINE_BREAKS):
        raise RecordError(f"field {field!r} holds a double quote, tab or line break, which AAM files cannot carry")
    return value


class FormatKrux(_LineFormatter):
    """Records → a Krux (Salesforce Audience Studio) user attribute file: ``id^attribute:value;...``."""

    type: ClassVar[str] = "file.format.krux"
    default_user_id: ClassVar[str] = "id"
    default_name: ClassVar[str] = "krux.csv"

    def line(self, user_id: str, record: Record) -> str:
        attributes = []
        for name, value in traits(record, self.user_id_field):
            if any(mark in name for mark in "^;:,") or any(mark in name for mark in _LINE_BREAKS):
                raise RecordError(f"field name {name!r} holds one of ^ ; : , which Krux files use as separators")
            values = [_krux_value(item, name) for item in (value if isinstance(value, list) else [value])]
            values = [item for item in values if item]
            if values:
                attributes.append(f"{name}:{','.join(values)}")
        return f"{user_id}^{';'.join(attributes)}"


def _krux_value(item: Any, field: str) -> str:
    if isinstance(item, dict):
        if "name" not in item:
            raise RecordError(f"field {field!r} holds objects without a name; Krux values are plain values")
        item = item["name"]
    if isinstance(item, list | dict):
        raise RecordError(f"field {field!r} holds nested lists; Krux values are plain values")
    value = "" if item is None else text(item)
    if any(mark in value for mark in "^;,") or any(mark in value for mark in _LINE_BREAKS):
        raise RecordError(f"field {field!r} holds one of ^ ; , or a line break, which Krux files use as separators")
    return value
