"""Dotted paths over nested JSON documents: read, project, merge.

Gigya paths cross arrays implicitly (``profile.likes.category`` means "the category of any like"), so reading a
path yields a flat list of values. Projection keeps only selected paths, nested as in the source, with an
``AS`` alias replacing the last name inside the same parent (gigya.md §4.1).
"""

from __future__ import annotations

from typing import Any

import orjson


def split(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def path_values(doc: Any, parts: tuple[str, ...]) -> list[Any]:
    """Every value at ``parts`` in ``doc``; arrays on the way (and at the end) are flattened; nulls dropped."""
    current = [doc]
    for part in parts:
        following: list[Any] = []
        for node in current:
            if isinstance(node, dict):
                value = node.get(part)
                if value is None:
                    continue
                if isinstance(value, list):
                    following.extend(value)
                else:
                    following.append(value)
            elif isinstance(node, list):
                for item in node:
                    if isinstance(item, dict) and item.get(part) is not None:
                        value = item[part]
                        following.extend(value) if isinstance(value, list) else following.append(value)
        current = following
        if not current:
            return current
    return [value for value in current if value is not None]


def first_value(doc: Any, parts: tuple[str, ...]) -> Any:
    values = path_values(doc, parts)
    return values[0] if values else None


def project_into(source: Any, parts: tuple[str, ...], target: dict[str, Any], alias: str | None = None) -> None:
    """Copy the subtree at ``parts`` from ``source`` into ``target``, creating parents; arrays are mapped."""
    if not isinstance(source, dict):
        return
    head = parts[0]
    if head not in source:
        return
    value = source[head]
    if len(parts) == 1:
        target[alias or head] = value
        return
    rest = parts[1:]
    if isinstance(value, dict):
        child = target.get(head)
        if not isinstance(child, dict):
            child = target[head] = {}
        project_into(value, rest, child, alias)
        if not child:
            del target[head]
    elif isinstance(value, list):
        existing = target.get(head)
        items = existing if isinstance(existing, list) and len(existing) == len(value) else [{} for _ in value]
        for item, projected in zip(value, items, strict=True):
            project_into(item, rest, projected, alias)
        if any(items):
            target[head] = items


def deep_copy(doc: Any) -> Any:
    """A deep copy of JSON data (orjson round trip: faster than copy.deepcopy)."""
    return orjson.loads(orjson.dumps(doc))


def strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: strip_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [strip_nulls(item) for item in value]
    return value


def deep_merge(target: dict[str, Any], patch: dict[str, Any], *, array_push: bool = False) -> list[str]:
    """Merge ``patch`` into ``target`` in place: objects merge, ``null`` deletes, arrays are replaced whole
    (or appended to with ``array_push``, the ``ds.store`` default). Returns the top-level keys it changed."""
    changed = []
    for key, value in patch.items():
        current = target.get(key)
        if value is None:
            if key in target:
                del target[key]
                changed.append(key)
        elif isinstance(value, dict) and isinstance(current, dict):
            if deep_merge(current, value, array_push=array_push):
                changed.append(key)
        elif array_push and isinstance(value, list) and isinstance(current, list):
            current.extend(strip_nulls(value))
            changed.append(key)
        else:
            target[key] = strip_nulls(value)
            changed.append(key)
    return changed


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = doc
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def delete_path(doc: dict[str, Any], path: str) -> bool:
    parts = path.split(".")
    node: Any = doc
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return False
    if isinstance(node, dict) and parts[-1] in node:
        del node[parts[-1]]
        return True
    return False
