"""Record shapes in and out of Gigya: dotted CSV keys made nested, empty fields pruned, lookups merged.

Records from ``file.parse.dsv`` carry literal keys such as ``profile.email``; Gigya wants ``profile`` as a JSON
object. ``unflatten`` makes the nesting a write call needs without changing the record that flows on.
"""

from __future__ import annotations

from typing import Any


def unflatten(record: dict[str, Any]) -> dict[str, Any]:
    """A nested copy: ``{"profile.email": x, "profile": {"firstName": y}}`` → ``{"profile": {email, firstName}}``.

    Quoted keys (``'profile.gender'``) stay literal, without the quotes. Later keys win on a clash.
    """
    nested: dict[str, Any] = {}
    for key, value in record.items():
        if len(key) >= 2 and key[0] == key[-1] == "'":
            nested[key[1:-1]] = value
            continue
        if "." not in key:
            if isinstance(value, dict) and isinstance(nested.get(key), dict):
                deep_merge(nested[key], value, take_new=True)
            else:
                nested[key] = value
            continue
        *parents, leaf = key.split(".")
        node = nested
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[leaf] = value
    return nested


def prune_empty(value: Any) -> Any:
    """Drop null, empty-string, empty-array and empty-object fields, at any depth (``excludeEmptyFields``)."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            item = prune_empty(item)
            if not (item is None or item == "" or item == [] or item == {}):
                kept[key] = item
        return kept
    if isinstance(value, list):
        pruned = (prune_empty(item) for item in value)
        return [item for item in pruned if not (item is None or item == "" or item == [] or item == {})]
    return value


def deep_merge(target: dict[str, Any], source: dict[str, Any], take_new: bool) -> dict[str, Any]:
    """Merge ``source`` into ``target`` (in place); on a conflicting leaf keep the new value iff ``take_new``."""
    for key, value in source.items():
        current = target.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            deep_merge(current, value, take_new)
        elif key not in target or take_new:
            target[key] = value
    return target


def values_at(node: Any, parts: tuple[str, ...]) -> list[Any]:
    """Every value at a path; arrays along the way fan out (``loginIDs.emails`` → each email)."""
    if not parts:
        if isinstance(node, list):
            return [item for item in node if item is not None]
        return [] if node is None else [node]
    if isinstance(node, list):
        return [value for item in node for value in values_at(item, parts)]
    if not isinstance(node, dict):
        return []
    if parts[0] not in node:
        return []
    return values_at(node[parts[0]], parts[1:])


def remove_path(node: dict[str, Any], parts: tuple[str, ...]) -> None:
    """Delete a nested field and any objects left empty by its removal."""
    if len(parts) == 1:
        node.pop(parts[0], None)
        return
    child = node.get(parts[0])
    if isinstance(child, dict):
        remove_path(child, parts[1:])
        if not child:
            del node[parts[0]]


def match_key(value: Any, case_sensitive: bool) -> str:
    """How lookup values compare: as text (CSV strings meet Gigya numbers), lower-cased unless case matters."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    return text if case_sensitive else text.lower()
