"""The parsed form of a query."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AGGREGATES = frozenset({"count", "sum", "min", "max", "avg", "sum_of_squares", "variance", "std"})


@dataclass(frozen=True)
class SelectItem:
    path: str | None  # None for "*" and count(*)
    alias: str | None = None
    function: str | None = None  # an aggregate name

    @property
    def label(self) -> str:
        return f"{self.function}({self.path or '*'})" if self.function else (self.path or "*")


@dataclass(frozen=True)
class Compare:
    path: str
    op: str  # = != < <= > >=
    value: Any


@dataclass(frozen=True)
class In:
    path: str
    values: tuple[Any, ...]
    negate: bool = False


@dataclass(frozen=True)
class IsNull:
    path: str
    negate: bool = False


@dataclass(frozen=True)
class Contains:
    path: str
    text: str
    negate: bool = False


@dataclass(frozen=True)
class Regex:
    path: str
    pattern: str
    negate: bool = False


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Compare | In | IsNull | Contains | Regex | And | Or | Not


@dataclass
class Query:
    select: list[SelectItem]
    source: str
    where: Node | None = None
    group_by: list[str] = field(default_factory=list)
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (path, descending)
    start: int | None = None
    limit: int | None = None

    @property
    def select_all(self) -> bool:
        return any(item.path is None and item.function is None for item in self.select)

    @property
    def aggregates(self) -> list[SelectItem]:
        return [item for item in self.select if item.function]
