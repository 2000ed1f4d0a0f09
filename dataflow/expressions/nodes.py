"""The syntax tree the parser builds and the compiler turns into closures (it is never walked per record).

Every node keeps the ``offset`` of the text it is about, for compile-time errors (a bad regex literal, an
unknown method) and for runtime messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    offset: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A variable: a record field. ``a.b.c`` chains are folded into one dotted ``Name`` by the parser."""

    path: str


@dataclass(frozen=True, slots=True)
class Property(Node):
    """``target.name`` on a computed value (after an index or a call), or a quoted ``target.'a b'``."""

    target: Node
    name: str


@dataclass(frozen=True, slots=True)
class Index(Node):
    target: Node
    key: Node


@dataclass(frozen=True, slots=True)
class MethodCall(Node):
    target: Node
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    operator: str  # "-", "+", "!", "empty", "size"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """Arithmetic, comparison and matching operators; ``operator`` is the symbolic spelling."""

    operator: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Logical(Node):
    operator: str  # "&&" or "||"
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    """``test ? then : otherwise``; elvis ``test ?: otherwise`` has ``then`` None (the test's own value)."""

    test: Node
    then: Node | None
    otherwise: Node


@dataclass(frozen=True, slots=True)
class NullCoalesce(Node):
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class ArrayLiteral(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class MapLiteral(Node):
    entries: tuple[tuple[Node, Node], ...]
