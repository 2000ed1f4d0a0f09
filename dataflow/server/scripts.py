"""idx.search's ``script`` table: the components a dataflow step's ``type`` may name, with their params schema.

IdentitySync keeps its component metadata in a table of that name (``SELECT * FROM script WHERE id='...'``),
which tools query to list the components and build param forms. Ours is generated from the registry, so a
component installed by a third party shows up as soon as it is registered. The rows are the same for every
site; they are built once per registry (importing every component once) and read from memory after that.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dataflow.registry import Registry


@lru_cache(maxsize=4)
def script_rows(registry: Registry) -> tuple[dict[str, Any], ...]:
    """One row per registered component, ordered by id."""
    rows = []
    for type_name in registry.types():
        info = registry.get(type_name)
        rows.append(
            {
                "id": type_name,
                "name": info.schema.get("title") or type_name,
                "description": info.description,
                "category": type_name.split(".", 1)[0],
                "consumes": info.cls.consumes,
                "produces": info.cls.produces,
                "paramsSchema": info.schema,
            }
        )
    return tuple(sorted(rows, key=lambda row: row["id"]))
