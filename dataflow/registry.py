"""Finds components by IdentitySync type through the ``dataflow.components`` entry-point group.

The engine never imports a connector by name: our own components and a third party's are declared the
same way, in their package's entry points (``"field.rename" = "steps.field:Rename"``). Params schemas are
``schemas/params/<type>.json`` for ours; a third-party class may carry its schema in ``params_schema``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from dataflow import jsonio
from dataflow.component import Component
from dataflow.resources import schemas_dir

ENTRY_POINT_GROUP = "dataflow.components"


class UnknownComponent(LookupError):
    def __init__(self, type_name: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"unknown component type '{type_name}'{hint}")
        self.type_name = type_name
        self.suggestions = suggestions


@dataclass(frozen=True)
class ComponentInfo:
    type: str
    cls: type[Component]
    schema: dict[str, Any]

    @property
    def description(self) -> str:
        return self.schema.get("description") or (self.cls.__doc__ or "").strip().split("\n")[0]


class Registry:
    def __init__(self, classes: dict[str, type[Component]]) -> None:
        self._classes = dict(classes)

    @classmethod
    def from_entry_points(cls) -> Registry:
        classes: dict[str, type[Component]] = {}
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            component = entry.load()
            if not (isinstance(component, type) and issubclass(component, Component)):
                raise TypeError(f"entry point {entry.name} = {entry.value} is not a Component class")
            if component.type and component.type != entry.name:
                raise TypeError(f"entry point {entry.name} loads a component typed {component.type!r}")
            classes[entry.name] = component
        return cls(classes)

    def extended(self, classes: dict[str, type[Component]]) -> Registry:
        """A registry with ``classes`` added (tests, embedding applications)."""
        return Registry({**self._classes, **classes})

    def types(self) -> list[str]:
        return sorted(self._classes)

    def __contains__(self, type_name: str) -> bool:
        return type_name in self._classes

    def get(self, type_name: str) -> ComponentInfo:
        component = self._classes.get(type_name)
        if component is None:
            raise UnknownComponent(type_name, self.suggest(type_name))
        return ComponentInfo(type_name, component, params_schema(type_name, component))

    def suggest(self, type_name: str) -> list[str]:
        """Near misses only: a long shared prefix (``datasource.write.``) must not make unrelated types look alike."""
        last = type_name.rsplit(".", 1)[-1]
        close = difflib.get_close_matches(type_name, self._classes, n=3, cutoff=0.8)
        return [
            name
            for name in close
            if difflib.SequenceMatcher(None, last, name.rsplit(".", 1)[-1]).ratio() >= 0.6
            or difflib.SequenceMatcher(None, type_name, name).ratio() >= 0.92
        ][:2]


def params_schema(type_name: str, component: type[Component]) -> dict[str, Any]:
    own = getattr(component, "params_schema", None)
    if isinstance(own, dict):
        return own
    return _schema_file(type_name)


@cache
def _schema_file(type_name: str) -> dict[str, Any]:
    path: Path = schemas_dir() / "params" / f"{type_name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"component '{type_name}' has no params schema at {path}")
    return jsonio.loads(path.read_bytes())


@cache
def default_registry() -> Registry:
    return Registry.from_entry_points()
