"""Reading inside values: ``x.name`` on a computed value, ``x[i]``, ``x['k']``, ``size(x)``, ``empty(x)``.

Navigation is null-safe (Apache JEXL's lenient mode): a property or index of null is null, an index outside
a list is null, a key a map lacks is null. Reading a property of a string or a number is a mistake in the
expression and fails the record.
"""

from __future__ import annotations

from typing import Any

from dataflow.errors import RecordError
from dataflow.expressions.values import as_number, describe


def property_of(target: Any, name: str) -> Any:
    if target is None:
        return None
    if type(target) is dict:
        return target.get(name)
    raise RecordError(f"cannot read property '{name}' of {describe(target)}")


def index_of(target: Any, key: Any) -> Any:
    if target is None or key is None:
        return None
    kind = type(target)
    if kind is dict:
        if type(key) in (int, float, bool) and key not in target:
            key = str(key).lower() if type(key) is bool else str(key)
        try:
            return target.get(key)
        except TypeError:
            raise RecordError(f"cannot use {describe(key)} as a map key") from None
    if kind is list or kind is str:
        position = as_number(key) if type(key) is not bool else None
        if type(position) is not int:
            raise RecordError(f"an index into {describe(target)} must be an integer, not {describe(key)}")
        return target[position] if 0 <= position < len(target) else None
    raise RecordError(f"cannot index {describe(target)}")


def size_of(value: Any) -> int:
    if value is None:
        return 0
    if type(value) in (str, list, dict):
        return len(value)
    raise RecordError(f"size() needs a string, a list or a map, not {describe(value)}")


def is_empty(value: Any) -> bool:
    """``empty(x)``: null, ``''``, ``[]`` and ``{}`` are empty; any other value is not."""
    if value is None:
        return True
    if type(value) in (str, list, dict):
        return not value
    return False
