"""The account store: generated accounts by index, plus an overlay of written, imported and deleted ones.

Handles are ints: ``0 <= h < count`` are generated accounts, higher ones were imported. A write copies the
account, changes the copy and swaps it into the overlay under a lock (copy-on-write), so a reader holding a
document never sees it change and searches need no lock while they serialise. ``version`` goes up on every
write; search results are cached per (query, version).
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable
from typing import Any

from sandbox.gigya.documents import deep_copy, path_values
from sandbox.gigya.fastfields import LIST_VALUED, fast_fields
from sandbox.gigya.generator import AccountGenerator

FULL, LITE = "full", "lite"


class BaseRow:
    """A generated account as a query sees it: single fields computed from the index until one needs the
    whole account, which is then generated once."""

    __slots__ = ("_doc", "_fast", "_gen", "i")

    def __init__(self, i: int, gen: AccountGenerator, fast: dict[str, Callable[[int], list[Any]]]) -> None:
        self.i, self._gen, self._fast, self._doc = i, gen, fast, None

    def values(self, path: str, parts: tuple[str, ...]) -> list[Any]:
        doc = self._doc
        if doc is None:
            fast = self._fast.get(path)
            if fast is not None:
                return fast(self.i)
            doc = self._doc = self._gen.account(self.i)
        return path_values(doc, parts)


class DocRow:
    """A stored document as a query sees it."""

    __slots__ = ("doc",)

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def values(self, path: str, parts: tuple[str, ...]) -> list[Any]:
        return path_values(self.doc, parts)


class AccountStore:
    def __init__(self, generator: AccountGenerator) -> None:
        self.gen = generator
        self.fast = fast_fields(generator)
        self.scalar_fast = frozenset(self.fast) - LIST_VALUED
        self._overlay: dict[int, dict[str, Any]] = {}
        self._deleted: set[int] = set()
        self._imported: dict[str, int] = {}  # UID -> handle, for handles >= count
        self._lite: set[int] = set()
        self._lite_emails: dict[str, int] = {}
        self._next = generator.count
        self._lock = threading.RLock()
        self.version = 0

    # -- reading ----------------------------------------------------------------------------------------------
    def handle_of(self, uid: str) -> int | None:
        handle = self._imported.get(uid)
        if handle is None:
            handle = self.gen.index_of(uid)
        if handle is None or handle in self._deleted:
            return None
        return handle

    def document(self, handle: int) -> dict[str, Any] | None:
        """The current account (read-only; shared with readers), or None once deleted."""
        doc = self._overlay.get(handle)
        if doc is not None:
            return doc
        if handle < self.gen.count and handle not in self._deleted:
            return self.gen.account(handle)
        return None

    def get(self, uid: str) -> dict[str, Any] | None:
        handle = self.handle_of(uid)
        return None if handle is None else self.document(handle)

    def is_plain(self, handle: int) -> bool:
        """A generated account never written nor deleted."""
        return handle < self.gen.count and handle not in self._overlay and handle not in self._deleted

    def is_lite(self, handle: int) -> bool:
        return handle in self._lite

    def lite_handle(self, email: str) -> int | None:
        handle = self._lite_emails.get(email.lower())
        return None if handle is None or handle in self._deleted else handle

    def row(self, handle: int) -> BaseRow | DocRow:
        doc = self._overlay.get(handle)
        if doc is not None:
            return DocRow(doc)
        return BaseRow(handle, self.gen, self.fast)

    def handles(self, kinds: frozenset[str] = frozenset({FULL})) -> array:
        """A snapshot of the live handles of the given account kinds, in creation order."""
        with self._lock:
            deleted, lite, extra = set(self._deleted), set(self._lite), sorted(self._imported.values())
        result = array("q")
        if FULL in kinds:
            if deleted:
                result.extend(h for h in range(self.gen.count) if h not in deleted)
            else:
                result.extend(range(self.gen.count))
        for handle in extra:
            if handle not in deleted and ((handle in lite and LITE in kinds) or (handle not in lite and FULL in kinds)):
                result.append(handle)
        return result

    def count(self, kind: str = FULL) -> int:
        with self._lock:
            lite = sum(1 for h in self._lite if h not in self._deleted)
            if kind == LITE:
                return lite
            generated = self.gen.count - sum(1 for h in self._deleted if h < self.gen.count)
            imported = sum(1 for h in self._imported.values() if h not in self._deleted)
            return generated + imported - lite

    # -- writing ----------------------------------------------------------------------------------------------
    def update(self, handle: int, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Apply ``change`` to a private copy of the account and publish it; returns the new document."""
        with self._lock:
            current = self.document(handle)
            if current is None:
                raise KeyError(handle)
            doc = deep_copy(current)
            change(doc)
            self._overlay[handle] = doc
            self.version += 1
            return doc

    def insert(self, doc: dict[str, Any], *, lite: bool = False) -> int:
        with self._lock:
            uid = doc["UID"]
            if self.handle_of(uid) is not None:
                raise KeyError(f"UID exists: {uid}")
            handle = self._next
            self._next += 1
            self._overlay[handle] = doc
            self._imported[uid] = handle
            if lite:
                self._lite.add(handle)
                email = doc.get("email") or doc.get("profile", {}).get("email")
                if isinstance(email, str):
                    self._lite_emails[email.lower()] = handle
            self.version += 1
            return handle

    def delete(self, handle: int) -> None:
        with self._lock:
            self._deleted.add(handle)
            self._overlay.pop(handle, None)
            self.version += 1

    def copy(self, uid: str) -> dict[str, Any] | None:
        doc = self.get(uid)
        return None if doc is None else deep_copy(doc)

    def overlay_size(self) -> int:
        return len(self._overlay)
