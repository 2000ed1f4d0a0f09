"""accounts.search, getAccountInfo, setAccountInfo, importFullAccount, importLiteAccount, deleteAccount."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

from sandbox.gigya.auth import Principal, uid_signature
from sandbox.gigya.errors import GigyaError, invalid
from sandbox.gigya.params import Params
from sandbox.gigya.query import CompiledQuery
from sandbox.gigya.results import document_renderer
from sandbox.gigya.store import FULL, LITE, AccountStore, BaseRow, DocRow
from sandbox.gigya.writes import (
    IMPORT_DATES,
    IMPORT_GROUPS,
    OBJECT_FIELDS,
    apply_import_dates,
    bump,
    import_into,
    merge_account,
    new_account,
    set_flags,
)

if TYPE_CHECKING:
    from sandbox.gigya.site import Site

# getAccountInfo: always returned (top level), returned per ``include``, and profile fields per extraProfileFields.
ALWAYS = (
    "UID", "created", "createdTimestamp", "isActive", "isRegistered", "isVerified", "lastLogin", "lastLoginTimestamp",
    "lastUpdated", "lastUpdatedTimestamp", "loginProvider", "oldestDataUpdated", "oldestDataUpdatedTimestamp",
    "registered", "registeredTimestamp", "socialProviders", "verified", "verifiedTimestamp", "hasLiteAccount",
    "hasFullAccount", "email",
)  # fmt: skip
INCLUDABLE = frozenset(
    [
        "loginIDs",
        "emails",
        "profile",
        "data",
        "preferences",
        "subscriptions",
        "regSource",
        "lastLoginLocation",
        "groups",
        "internal",
        "customIdentifiers",
        "communications",
        "identities-active",
        "identities-all",
        "identities-global",
        "memberships",
        "rba",
        "irank",
        "isLockedOut",
        "userInfo",
        "password",
    ]
)
EXTRA_PROFILE_FIELDS = frozenset(
    [
        "languages",
        "address",
        "phones",
        "education",
        "honors",
        "publications",
        "patents",
        "certifications",
        "professionalHeadline",
        "bio",
        "industry",
        "specialties",
        "work",
        "skills",
        "religion",
        "politicalView",
        "interestedIn",
        "relationshipStatus",
        "hometown",
        "favorites",
        "followersCount",
        "followingCount",
        "username",
        "name",
        "locale",
        "verified",
        "timezone",
        "likes",
        "samlData",
    ]
)
DEFAULT_INCLUDE = ("profile", "data", "subscriptions")


class AccountSource:
    """Accounts of some kinds (full and/or lite) as a search source."""

    def __init__(self, store: AccountStore, kinds: frozenset[str]) -> None:
        self.store, self.kinds = store, kinds

    def handles(self) -> Sequence[int]:
        return self.store.handles(self.kinds)

    def row(self, handle: int) -> BaseRow | DocRow:
        return self.store.row(handle)

    def document(self, handle: int) -> dict[str, Any] | None:
        doc = self.store.document(handle)
        if doc is not None and "password" in doc:
            doc = {key: value for key, value in doc.items() if key != "password"}
        return doc

    def cache_key(self) -> Hashable:
        return ("accounts", self.kinds, self.store.version)

    def renderer(self, compiled: CompiledQuery) -> Callable[[int], dict[str, Any] | None]:
        """Like ``document_renderer``, but when every selected path is a fast scalar field, an untouched
        generated account is projected from its index without generating it (``SELECT UID, profile.email``)."""
        store, fallback = self.store, document_renderer(self, compiled)
        fields = compiled.fields
        if compiled.query.select_all or not all(".".join(parts) in store.scalar_fast for parts, _ in fields):
            return fallback
        plan = [(parts[:-1], alias or parts[-1], store.fast[".".join(parts)]) for parts, alias in fields]

        def render(handle: int) -> dict[str, Any] | None:
            if not store.is_plain(handle):
                return fallback(handle)
            out: dict[str, Any] = {}
            for parents, name, compute in plan:
                values = compute(handle)
                if values:
                    node = out
                    for parent in parents:
                        node = node.setdefault(parent, {})
                    node[name] = values[0]
            return out

        return render


def _kinds(params: Params, source: str) -> frozenset[str]:
    if source.lower() == "emailaccounts":
        return frozenset({LITE})
    if source.lower() != "accounts":
        raise invalid(f"Invalid query: unknown source {source!r} (accounts or emailAccounts)")
    types = params.csv("accountTypes") or [FULL]
    if any(t not in (FULL, LITE) for t in types):
        raise invalid("accountTypes must be full, lite or full,lite")
    return frozenset(types)


def search(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    def resolve(compiled: CompiledQuery) -> AccountSource:
        return AccountSource(site.accounts, _kinds(params, compiled.source))

    return site.search.search(params, resolve)


def _handle(site: Site, params: Params) -> int:
    uid = params.require("UID")
    handle = site.accounts.handle_of(uid)
    if handle is None:
        raise GigyaError(403005, f"Unauthorized user: UID not found: {uid}")
    return handle


def shape_account(doc: dict[str, Any], include: list[str] | None, extra: list[str] | None) -> dict[str, Any]:
    """The account as getAccountInfo returns it: scalar fields, the included groups, the requested extras."""
    groups = DEFAULT_INCLUDE if include is None else include
    unknown = [name for name in groups if name not in INCLUDABLE]
    if unknown:
        raise invalid(f"Invalid include value: {unknown[0]}")
    out = {key: doc[key] for key in ALWAYS if key in doc}
    wanted_extra = set(extra or ())
    for name in groups:
        if name.startswith("identities-"):
            out["identities"] = doc.get("identities", [])
        elif name == "profile" and isinstance(doc.get("profile"), dict):
            out["profile"] = {
                k: v for k, v in doc["profile"].items() if k not in EXTRA_PROFILE_FIELDS or k in wanted_extra
            }
        elif name in doc and name != "password":
            out[name] = doc[name]
    return out


def get_account_info(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    doc = site.accounts.document(_handle(site, params))
    assert doc is not None
    extra = params.csv("extraProfileFields")
    if extra is not None and extra != ["*"] and any(name not in EXTRA_PROFILE_FIELDS for name in extra):
        raise invalid(f"Invalid extraProfileFields value: {','.join(extra)}")
    out = shape_account(doc, params.csv("include"), sorted(EXTRA_PROFILE_FIELDS) if extra == ["*"] else extra)
    secret = site.config.secret_of(caller.user_key)
    if secret:
        timestamp = int(site.clock.now())
        out["UIDSignature"] = uid_signature(secret, timestamp, out["UID"])
        out["signatureTimestamp"] = str(timestamp)
    return out


def _objects(params: Params, names: Sequence[str]) -> dict[str, Any]:
    objects = {}
    for name in names:
        if name in params:
            value = params.json(name)
            if value is None:
                continue
            if name not in ("identities", "phoneNumber") and not isinstance(value, dict):
                raise invalid(f"Parameter {name} must be a JSON object")
            objects[name] = value
    return objects


def set_account_info(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    handle = _handle(site, params)
    patches = _objects(params, OBJECT_FIELDS)
    flags = {name: params.flag(name) if name in params else None for name in ("isActive", "isVerified")}
    add = params.csv("addLoginEmails") or []
    remove = {email.lower() for email in params.csv("removeLoginEmails") or []}
    username, phone, lang = params.get("username"), params.get("phoneNumber"), params.get("lang")
    now = site.clock.now_ms()

    def change(doc: dict[str, Any]) -> None:
        merge_account(doc, patches, now)
        set_flags(doc, flags)
        if add or remove or username:
            login_ids = doc.setdefault("loginIDs", {"emails": [], "unverifiedEmails": []})
            emails = [e for e in login_ids.get("emails", []) if e.lower() not in remove]
            emails += [e for e in add if e.lower() not in {x.lower() for x in emails}]
            login_ids["emails"] = emails
            if username:
                login_ids["username"] = username
                doc.setdefault("profile", {})["username"] = username
        if phone:
            doc["phoneNumber"] = phone
        if lang:
            doc["lang"] = lang
        if params.get("regSource") and not doc.get("regSource"):
            doc["regSource"] = params.get("regSource")

    site.accounts.update(handle, change)
    return {}


def import_full_account(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    uid = params.get("UID") or None
    if uid is None and not params.flag("createUID"):
        raise GigyaError(400002, "Missing required parameter: UID (or createUID=true)")
    policy = (params.get("importPolicy") or "insert").lower()
    if policy not in ("insert", "upsert"):
        raise invalid("importPolicy must be insert or upsert")
    objects = _objects(params, (*OBJECT_FIELDS, *IMPORT_GROUPS))
    dates = {name: params.get(name) or "" for name in IMPORT_DATES if params.get(name)}
    flags = {name: params.flag(name) if name in params else None for name in ("isActive", "isRegistered", "isVerified")}
    strings = {name: params.get(name) for name in ("regSource", "lang") if params.get(name)}
    now = site.clock.now_ms()

    def change(doc: dict[str, Any]) -> None:
        import_into(doc, objects, now)
        bump(doc, now)
        apply_import_dates(doc, dates)
        set_flags(doc, flags)
        doc.update(strings)

    handle = site.accounts.handle_of(uid) if uid else None
    if handle is not None:
        if policy == "insert":
            raise GigyaError(400003, f"Unique identifier exists: UID {uid}")
        site.accounts.update(handle, change)
    else:
        uid = uid or site.new_uid()
        doc = new_account(uid, now)
        change(doc)
        site.accounts.insert(doc)
    return {"UID": uid}


def import_lite_account(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    email = params.require("email")
    objects = _objects(params, ("profile", "data", "subscriptions"))
    now = site.clock.now_ms()

    def change(doc: dict[str, Any]) -> None:
        import_into(doc, objects, now)
        doc["email"] = email
        doc.setdefault("profile", {}).setdefault("email", email)
        bump(doc, now)

    handle = site.accounts.lite_handle(email)
    if handle is not None:
        doc = site.accounts.update(handle, change)
        return {"UID": doc["UID"]}
    doc = new_account(site.new_uid(), now, lite=True)
    change(doc)
    site.accounts.insert(doc, lite=True)
    return {"UID": doc["UID"]}


def delete_account(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    site.accounts.delete(_handle(site, params))
    return {}


METHODS = {
    "accounts.search": search,
    "accounts.getAccountInfo": get_account_info,
    "accounts.setAccountInfo": set_account_info,
    "accounts.importFullAccount": import_full_account,
    "accounts.importLiteAccount": import_lite_account,
    "accounts.deleteAccount": delete_account,
}
