"""The account lookup's query for a chunk of records, and the matching of its answers back to the records.

Values from records only ever enter the query as escaped literals (``query.literal``) or, when letter case
must not matter, as escaped case-folding regexes (``query.case_insensitive_regex``), so a record cannot change
the shape of the query. The query may return more than a record asked for (OR across a chunk); matching on
this side decides which accounts belong to which record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dataflow.fieldpath import MISSING
from steps.gigya import query
from steps.gigya.records import match_key, values_at


@dataclass(frozen=True)
class LookupField:
    get: Callable[[dict], Any]  # the record's source value
    path: str  # the Gigya field it must equal

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.path.split("."))


Values = list[list[Any]]  # per lookup field, the record's usable values (an array source gives several)


def record_values(record: dict[str, Any], fields: list[LookupField]) -> Values:
    values: Values = []
    for field in fields:
        value = field.get(record)
        items = value if isinstance(value, list) else [value]
        values.append([v for v in items if v is not MISSING and v is not None and v != "" and not isinstance(v, dict)])
    return values


def _equals(path: str, value: Any, case_sensitive: bool) -> str:
    if isinstance(value, str) and not case_sensitive and value.lower() != value.upper():
        return f"{path} regex ({query.case_insensitive_regex(value)})"
    return f"{path} = {query.literal(value)}"


def _any_of(path: str, values: list[Any], case_sensitive: bool) -> str:
    """``path in (…)`` for exact values; one regex per value that needs case folding."""
    exact = [v for v in values if case_sensitive or not isinstance(v, str) or v.lower() == v.upper()]
    folded = [v for v in values if v not in exact]
    parts = [_equals(path, value, case_sensitive) for value in folded]
    if len(exact) == 1:
        parts.append(_equals(path, exact[0], True))
    elif exact:
        parts.append(f"{path} in ({', '.join(query.literal(v) for v in exact)})")
    return " OR ".join(parts)


def lookup_condition(fields: list[LookupField], chunk: list[Values], operator: str, case_sensitive: bool) -> str:
    """The WHERE condition for a chunk; empty when no record has a value to look up."""
    if operator == "AND":
        clauses: list[str] = []
        for values in chunk:
            if all(values):
                pairs = zip(fields, values, strict=True)
                clause = " AND ".join(_equals(f.path, v[0], case_sensitive) for f, v in pairs)
                clause = f"({clause})" if len(fields) > 1 else clause
                if clause not in clauses:
                    clauses.append(clause)
        return " OR ".join(clauses)
    per_field = []
    for index, field in enumerate(fields):
        distinct: dict[str, Any] = {}
        for values in chunk:
            for value in values[index]:
                distinct.setdefault(match_key(value, True) + type(value).__name__, value)
        if distinct:
            per_field.append(_any_of(field.path, list(distinct.values()), case_sensitive))
    if len(per_field) == 1:
        return per_field[0]
    return " OR ".join(f"({condition})" for condition in per_field)


def candidate_matches(
    results: list[dict[str, Any]], fields: list[LookupField], chunk: list[Values], operator: str, case_sensitive: bool
) -> list[list[dict[str, Any]]]:
    """For each record of the chunk, the accounts whose field values equal its own (OR: any field; AND: all)."""
    indexes: list[dict[str, list[int]]] = []
    for field in fields:
        index: dict[str, list[int]] = {}
        for position, account in enumerate(results):
            for value in values_at(account, field.parts):
                if not isinstance(value, (dict, list)):
                    slot = index.setdefault(match_key(value, case_sensitive), [])
                    if not slot or slot[-1] != position:
                        slot.append(position)
        indexes.append(index)
    matched: list[list[dict[str, Any]]] = []
    for values in chunk:
        per_field = [
            {pos for value in field_values for pos in index.get(match_key(value, case_sensitive), ())}
            for index, field_values in zip(indexes, values, strict=True)
        ]
        if operator == "AND":
            hits = set.intersection(*per_field) if per_field and all(values) else set()
        else:
            hits = set().union(*per_field)
        matched.append([results[position] for position in sorted(hits)])
    return matched
