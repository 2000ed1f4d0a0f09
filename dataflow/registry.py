"""Finds components by IdentitySync type through the ``dataflow.components`` entry-point group.

The engine never imports a connector by name: our own components and a third party's are declared the
same way. An entry point loads either one ``Component`` class (the entry's name is its type) or a catalogue,
a mapping of type → ``"module:Class"``; catalogue classes are imported only when a flow uses them, so a
component with heavy dependencies costs nothing to flows that do not use it. Params schemas are
``schemas/params/<type>.json`` for ours; a third-party class may carry its schema in ``params_schema``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from dataflow import jsonio
from dataflow.component import Component
from dataflow.resources import schemas_dir

ENTRY_POINT_GROUP = "dataflow.components"

Loader = Callable[[], type[Component]]


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


def _import_target(type_name: str, target: str) -> Loader:
    def load() -> type[Component]:
        module_name, _, attribute = target.partition(":")
        component = getattr(import_module(module_name), attribute)
        _check(type_name, component, target)
        return component

    return load


def _check(type_name: str, component: Any, origin: str) -> None:
    if not (isinstance(component, type) and issubclass(component, Component)):
        raise TypeError(f"{origin} (component {type_name}) is not a Component class")
    if component.type and component.type != type_name:
        raise TypeError(f"{origin} is registered as {type_name} but declares type {component.type!r}")


class Registry:
    def __init__(self, components: Mapping[str, type[Component] | Loader]) -> None:
        self._loaders: dict[str, Loader] = {}
        self._loaded: dict[str, type[Component]] = {}
        for type_name, component in components.items():
            if isinstance(component, type):
                _check(type_name, component, component.__qualname__)
                self._loaded[type_name] = component
            else:
                self._loaders[type_name] = component

    @classmethod
    def from_entry_points(cls) -> Registry:
        components: dict[str, type[Component] | Loader] = {}
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            loaded = entry.load()
            if isinstance(loaded, Mapping):
                for type_name, target in loaded.items():
                    components[type_name] = _import_target(type_name, target)
            else:
                components[entry.name] = loaded
        return cls(components)

    def extended(self, classes: Mapping[str, type[Component] | Loader]) -> Registry:
        """A registry with ``classes`` added (tests, embedding applications)."""
        merged: dict[str, type[Component] | Loader] = {**self._loaders, **self._loaded}
        merged.update(classes)
        return Registry(merged)

    def types(self) -> list[str]:
        return sorted({*self._loaders, *self._loaded})

    def __contains__(self, type_name: str) -> bool:
        return type_name in self._loaded or type_name in self._loaders

    def component(self, type_name: str) -> type[Component]:
        component = self._loaded.get(type_name)
        if component is None:
            loader = self._loaders.get(type_name)
            if loader is None:
                raise UnknownComponent(type_name, self.suggest(type_name))
            component = self._loaded[type_name] = loader()
        return component

    def get(self, type_name: str) -> ComponentInfo:
        component = self.component(type_name)
        return ComponentInfo(type_name, component, params_schema(type_name, component))

    def suggest(self, type_name: str) -> list[str]:
        """Near misses only: a long shared prefix (``datasource.write.``) must not make unrelated types look alike."""
        known = self.types()
        last = type_name.rsplit(".", 1)[-1]
        close = difflib.get_close_matches(type_name, known, n=3, cutoff=0.8)
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
