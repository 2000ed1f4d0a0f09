"""Dotted field paths over nested records, compiled once per step.

A record is a nested ``dict``. ``profile.email`` reaches ``record["profile"]["email"]``, but a key that itself
contains dots (a CSV header such as ``profile.firstName``) must stay addressable: an existing literal key wins
over the nested reading, at every level. A path written in single quotes (``'profile.gender'``, as public
IdentitySync flows do in rename targets) always means the literal key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflow.errors import RecordError


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()
"""Returned by getters when the path is absent (``None`` is a real value: JSON null)."""


@dataclass(frozen=True, slots=True)
class FieldPath:
    """A parsed path: ``literal`` when it names one key, else the dotted parts."""

    text: str
    parts: tuple[str, ...]

    @property
    def suffixes(self) -> tuple[str, ...]:
        """``a.b.c`` → ``("a.b.c", "b.c", "c")``: the literal keys each level may hold, joined once per job."""
        return tuple(".".join(self.parts[i:]) for i in range(len(self.parts)))

    @property
    def is_simple(self) -> bool:
        return len(self.parts) == 1

    @property
    def key(self) -> str:
        return ".".join(self.parts)


def parse(text: str) -> FieldPath:
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == "'":
        return FieldPath(text, (stripped[1:-1],))
    return FieldPath(text, tuple(stripped.split(".")))


def _walk_get(node: Any, parts: tuple[str, ...], suffixes: tuple[str, ...], start: int) -> Any:
    """Nested lookup from ``parts[start:]`` preferring, at each level, a literal key for the remainder."""
    last = len(parts) - 1
    for i in range(start, len(parts)):
        if not isinstance(node, dict):
            return MISSING
        if i < last and suffixes[i] in node:
            return node[suffixes[i]]
        node = node.get(parts[i], MISSING)
        if node is MISSING:
            return MISSING
    return node


def compile_getter(text: str) -> Callable[[dict], Any]:
    """A function ``record -> value`` returning ``MISSING`` when the path is absent."""
    path = parse(text)
    key = path.key
    if path.is_simple:
        return lambda record: record.get(key, MISSING)
    parts, suffixes = path.parts, path.suffixes

    def get(record: dict) -> Any:
        value = record.get(key, MISSING)
        if value is not MISSING:
            return value
        return _walk_get(record.get(parts[0], MISSING), parts, suffixes, 1)

    return get


def _parent_for_write(record: dict, parts: tuple[str, ...], suffixes: tuple[str, ...], create: bool) -> dict | None:
    node: Any = record
    for i, part in enumerate(parts[:-1]):
        if suffixes[i] in node:  # the remainder is a literal key at this level
            return None
        child = node.get(part, MISSING)
        if child is MISSING or child is None:
            if not create:
                return None
            child = node[part] = {}
        elif not isinstance(child, dict):
            if not create:
                return None
            raise RecordError(
                f"cannot write '{suffixes[0]}': '{'.'.join(parts[: i + 1])}' holds a {type(child).__name__}, "
                "not an object"
            )
        node = child
    return node


def compile_setter(text: str) -> Callable[[dict, Any], None]:
    """A function ``(record, value)`` that writes the path, creating nested objects on the way.

    When the record already has the dotted text as a literal key (at any level), that key is overwritten,
    so a flow reading CSV headers keeps working on flat records.
    """
    path = parse(text)
    key = path.key
    if path.is_simple:

        def set_simple(record: dict, value: Any) -> None:
            record[key] = value

        return set_simple
    parts, suffixes = path.parts, path.suffixes

    def set_nested(record: dict, value: Any) -> None:
        if key in record:  # the common case for flat (CSV-shaped) records
            record[key] = value
            return
        literal_owner = _literal_owner(record, parts, suffixes)
        if literal_owner is not None:
            owner, literal = literal_owner
            owner[literal] = value
            return
        parent = _parent_for_write(record, parts, suffixes, create=True)
        assert parent is not None
        parent[parts[-1]] = value

    return set_nested


def _literal_owner(record: dict, parts: tuple[str, ...], suffixes: tuple[str, ...]) -> tuple[dict, str] | None:
    """The dict and key holding the path's remainder as one literal dotted key, if any."""
    node: Any = record
    for i in range(len(parts) - 1):
        if not isinstance(node, dict):
            return None
        if suffixes[i] in node:
            return node, suffixes[i]
        node = node.get(parts[i], MISSING)
    return None


def compile_popper(text: str) -> Callable[[dict], Any]:
    """A function ``record -> value`` that removes the path and returns its value (or ``MISSING``)."""
    path = parse(text)
    key = path.key
    if path.is_simple:
        return lambda record: record.pop(key, MISSING)
    parts, suffixes = path.parts, path.suffixes

    def pop(record: dict) -> Any:
        value = record.pop(key, MISSING)  # the common case for flat (CSV-shaped) records
        if value is not MISSING:
            return value
        literal_owner = _literal_owner(record, parts, suffixes)
        if literal_owner is not None:
            owner, literal = literal_owner
            return owner.pop(literal)
        parent = _parent_for_write(record, parts, suffixes, create=False)
        if parent is None:
            return MISSING
        return parent.pop(parts[-1], MISSING)

    return pop


def clone(value: Any) -> Any:
    """A deep copy of JSON-like data, several times faster than ``copy.deepcopy`` for dicts and lists."""
    if type(value) is dict:
        return {k: (clone(v) if isinstance(v, _CONTAINERS) else v) for k, v in value.items()}
    if type(value) is list:
        return [clone(v) if isinstance(v, _CONTAINERS) else v for v in value]
    if isinstance(value, (dict, list)):
        import copy

        return copy.deepcopy(value)
    return value


_CONTAINERS = (dict, list)
