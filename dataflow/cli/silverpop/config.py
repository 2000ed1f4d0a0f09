"""The customer's Silverpop configuration (``customer.yaml``), read and checked once, as a typed object.

What a consultant collects from the customer: the pod and OAuth application, the SFTP host key, the databases
(one master database with a Yes/No field per newsletter, or one database per newsletter, as the integration
guide recommends), the relational tables that exist (each one optional), and the switches (deleted accounts
removed or opted out, phone numbers and their SMS consent, scoring). The file is checked against
``schemas/silverpop-customer.schema.json``; every problem names the file, line, column and setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from dataflow import jsonio, schemas
from dataflow.cli.commands import UsageError, read_settings
from dataflow.loading import SourceMap
from dataflow.resources import schemas_dir

SECRETS = ("clientSecret", "refreshToken")
ENV_PLACEHOLDER = re.compile(r"\$\{env:[A-Za-z_][A-Za-z0-9_]*\}")
TABLE_KEYS = {"likes": "likesTableId", "favorites": "favoritesTableId", "gm": "gmTableId", "signals": "signalsTableId"}


class ConfigError(UsageError):
    """The configuration cannot be used; the message lists every problem with its position."""


@dataclass(frozen=True)
class Newsletter:
    subscription: str  # Gigya subscription id
    field: str  # Silverpop Yes/No field
    list_id: str | None = None  # its own database (one database per newsletter)
    database_name: str | None = None

    @property
    def changed_column(self) -> str:
        """The DSV helper column with Gigya's lastUpdatedSubscriptionState (never imported)."""
        return f"{self.field}Changed"


@dataclass(frozen=True)
class CustomerConfig:
    path: Path
    pod: Any
    client_id: str
    client_secret: str
    refresh_token: str
    host_key: dict[str, str]  # the SFTP trust params every SFTP-using Silverpop step gets
    list_id: str | None
    master_name: str
    newsletters: tuple[Newsletter, ...]
    tables: dict[str, str]  # likes/favorites/gm/signals -> table id, only those configured
    signals_type: str
    deleted_accounts: str
    required_consents: tuple[str, ...]
    sync_phones: bool
    sms_consent: str | None
    phone_region: str
    sync_scoring: bool
    scoring_fields: tuple[str, ...] = field(default_factory=tuple)

    @property
    def field_newsletters(self) -> tuple[Newsletter, ...]:
        """Newsletters kept as Yes/No fields of the master database."""
        return tuple(item for item in self.newsletters if item.list_id is None)

    @property
    def database_newsletters(self) -> tuple[Newsletter, ...]:
        """Newsletters with a database of their own."""
        return tuple(item for item in self.newsletters if item.list_id is not None)

    @property
    def all_list_ids(self) -> list[str]:
        ids = [self.list_id] if self.list_id else []
        return ids + [item.list_id for item in self.database_newsletters if item.list_id]


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(jsonio.loads((schemas_dir() / "silverpop-customer.schema.json").read_bytes()))


def load(path: Path) -> CustomerConfig:
    """The checked configuration, or a ``UsageError`` (``ConfigError``: every problem, each with its position)."""
    data, source = read_settings(path, str(path), "settings")
    found = [(p.path, p.message) for p in schemas.problems(_validator(), data, noun="setting")]
    found += _cross_checks(data)
    if found:
        raise ConfigError("\n".join(_at(path, source, where, message) for where, message in found))
    return _build(path, data)


def _at(path: Path, source: SourceMap, where: tuple[str | int, ...], message: str) -> str:
    position = source.locate(where)
    return f"{path}:{position.line}:{position.column}: {message}"


def _cross_checks(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    found: list[tuple[tuple[str | int, ...], str]] = []
    newsletters = [item for item in data.get("newsletters") or [] if isinstance(item, dict)]
    if not data.get("listId"):
        for index, item in enumerate(newsletters):
            if not item.get("listId"):
                found.append((("newsletters", index), "this newsletter needs a listId of its own, or set listId"))
    for key in ("field", "subscription"):
        seen: dict[str, int] = {}
        for index, item in enumerate(newsletters):
            name = item.get(key)
            if name in seen:
                found.append((("newsletters", index, key), f"{key} '{name}' is given by newsletters[{seen[name]}] too"))
            seen.setdefault(name, index)
    if sum(1 for key in ("hostKeyFingerprint", "hostKey", "knownHostsFile") if data.get(key)) > 1:
        found.append(((), "give one of hostKeyFingerprint, hostKey, knownHostsFile"))
    for name in SECRETS:
        value = data.get(name)
        if isinstance(value, str) and not ENV_PLACEHOLDER.fullmatch(value):
            found.append(((name,), f"{name} must be an ${{env:NAME}} placeholder: secrets are never stored"))
    if data.get("syncScoring") and not data.get("scoringFields"):
        found.append(((), "syncScoring needs scoringFields"))
    if data.get("smsConsent") and not data.get("syncPhoneNumbers"):
        found.append((("smsConsent",), "smsConsent needs syncPhoneNumbers: true"))
    return found


def _host_key(path: Path, data: dict[str, Any]) -> dict[str, str]:
    if data.get("hostKeyFingerprint"):
        return {"hostKeyFingerprint": str(data["hostKeyFingerprint"])}
    if data.get("hostKey"):
        return {"hostKey": str(data["hostKey"])}
    if data.get("knownHostsFile"):
        known = (path.parent / Path(str(data["knownHostsFile"])).expanduser()).resolve()
        try:
            text = known.read_text(encoding="utf-8")
        except OSError as problem:
            raise ConfigError(f"{path}: knownHostsFile {known}: {problem.strerror}") from problem
        if not text.strip():
            raise ConfigError(f"{path}: knownHostsFile {known} is empty")
        return {"knownHosts": text}
    return {}


def _ids(value: Any) -> str | None:
    return str(value).strip() if value not in (None, "") else None


def _names(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _build(path: Path, data: dict[str, Any]) -> CustomerConfig:
    newsletters = tuple(
        Newsletter(item["subscription"], item["field"], _ids(item.get("listId")), item.get("databaseName"))
        for item in data["newsletters"]
    )
    return CustomerConfig(
        path=path,
        pod=data["podNumber"],
        client_id=str(data["clientId"]),
        client_secret=data["clientSecret"],
        refresh_token=data["refreshToken"],
        host_key=_host_key(path, data),
        list_id=_ids(data.get("listId")),
        master_name=data.get("masterDatabaseName") or "Gigya Master",
        newsletters=newsletters,
        tables={kind: str(data[key]) for kind, key in TABLE_KEYS.items() if data.get(key) not in (None, "")},
        signals_type=data.get("signalsDataStoreType") or "signals",
        deleted_accounts=data.get("deletedAccounts") or "remove",
        required_consents=_names(data.get("requiredConsents")),
        sync_phones=bool(data.get("syncPhoneNumbers", False)),
        sms_consent=data.get("smsConsent") or None,
        phone_region=str(data.get("defaultPhoneRegion") or "US").upper(),
        sync_scoring=bool(data.get("syncScoring", False)),
        scoring_fields=_names(data.get("scoringFields")),
    )
