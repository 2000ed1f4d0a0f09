"""ds.store / ds.get / ds.delete / ds.search over an in-memory Data Store (gigya.md §4.7)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sandbox.gigya.auth import Principal
from sandbox.gigya.clock import iso_ms
from sandbox.gigya.documents import deep_copy, deep_merge, delete_path, project_into, split, strip_nulls
from sandbox.gigya.errors import GigyaError, invalid
from sandbox.gigya.params import Params
from sandbox.gigya.query import CompiledQuery
from sandbox.gigya.store import DocRow

if TYPE_CHECKING:
    from sandbox.gigya.site import Site

Key = tuple[str, str | None]  # (oid, UID)


class DataStore:
    """Objects per type, keyed by (oid, UID); copy-on-write like the account store."""

    def __init__(self) -> None:
        self.types: dict[str, dict[Key, dict[str, Any]]] = {}
        self.version = 0
        self._lock = threading.Lock()

    def put(self, type_: str, oid: str, uid: str | None, data: dict[str, Any], behavior: str, now_ms: int) -> str:
        with self._lock:
            objects = self.types.setdefault(type_, {})
            current = objects.get((oid, uid))
            if current is None or behavior == "replace":
                created = current["created"] if current else now_ms
                new_data = strip_nulls(data)
            else:
                created = current["created"]
                new_data = deep_copy(current["data"])
                deep_merge(new_data, data, array_push=behavior == "arrayPush")
            obj = {"oid": oid, "data": new_data, "created": created, "createdTime": iso_ms(created)}
            if uid is not None:
                obj["UID"] = uid
            obj.update(lastUpdated=now_ms, lastUpdatedTime=iso_ms(now_ms))
            objects[(oid, uid)] = obj
            self.version += 1
            return oid

    def load(self, type_: str, objects: Iterable[dict[str, Any]]) -> None:
        """Objects made elsewhere (generated data) with their own timestamps, as they are."""
        with self._lock:
            stored = self.types.setdefault(type_, {})
            for obj in objects:
                stored[(obj["oid"], obj.get("UID"))] = obj
            self.version += 1

    def get(self, type_: str, oid: str, uid: str | None) -> dict[str, Any] | None:
        return self.types.get(type_, {}).get((oid, uid))

    def delete(self, type_: str, oid: str, uid: str | None, fields: list[str] | None, now_ms: int) -> bool:
        with self._lock:
            objects = self.types.get(type_, {})
            current = objects.get((oid, uid))
            if current is None:
                return False
            if fields:
                obj = deep_copy(current)
                for name in fields:
                    delete_path(obj["data"], name.removeprefix("data."))
                obj.update(lastUpdated=now_ms, lastUpdatedTime=iso_ms(now_ms))
                objects[(oid, uid)] = obj
            else:
                del objects[(oid, uid)]
            self.version += 1
            return True


class DSSource:
    def __init__(self, store: DataStore, type_: str) -> None:
        self.store, self.type = store, type_

    def handles(self) -> Sequence[Key]:
        return list(self.store.types.get(self.type, {}))

    def row(self, handle: Key) -> DocRow:
        return DocRow(self.store.types.get(self.type, {}).get(handle) or {})

    def document(self, handle: Key) -> dict[str, Any] | None:
        return self.store.types.get(self.type, {}).get(handle)

    def cache_key(self) -> Hashable:
        return ("ds", self.type, self.store.version)


def _type(params: Params) -> str:
    return params.require("type")


def store(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    type_, oid = _type(params), params.require("oid")
    data = params.json_object("data")
    if data is None:
        raise GigyaError(400002, "Missing required parameter: data")
    behavior = params.get("updateBehavior") or "arrayPush"
    if behavior not in ("arrayPush", "arraySet", "replace"):
        raise invalid("updateBehavior must be arrayPush, arraySet or replace")
    uid = params.get("UID") or None
    if uid is not None and site.accounts.handle_of(uid) is None:
        raise GigyaError(403005, f"Unauthorized user: UID not found: {uid}")
    if oid == "auto":
        oid = secrets.token_hex(16)
    return {"oid": site.ds.put(type_, oid, uid, data, behavior, site.clock.now_ms())}


def get(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    type_, oid, uid = _type(params), params.require("oid"), params.get("UID") or None
    obj = site.ds.get(type_, oid, uid)
    if obj is None:
        raise GigyaError(404000, f"Not found: {type_}/{oid}")
    fields = params.csv("fields")
    if not fields or "*" in fields:
        return dict(obj)
    data: dict[str, Any] = {}
    for name in fields:
        project_into(obj["data"], split(name.removeprefix("data.")), data)
    return {**{k: v for k, v in obj.items() if k != "data"}, "data": data}


def delete(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    type_, oid, uid = _type(params), params.require("oid"), params.get("UID") or None
    if not site.ds.delete(type_, oid, uid, params.csv("fields"), site.clock.now_ms()):
        raise GigyaError(404000, f"Not found: {type_}/{oid}")
    return {}


def search(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    def resolve(compiled: CompiledQuery) -> DSSource:
        return DSSource(site.ds, compiled.source)

    return site.search.search(params, resolve)


METHODS = {"ds.store": store, "ds.get": get, "ds.delete": delete, "ds.search": search}
