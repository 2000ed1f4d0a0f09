"""Load a YAML dataflow document into plain data plus a :class:`SourceMap`.

PyYAML's ``safe_load`` returns data without positions and keeps the last of duplicate keys.  We
``compose`` the node tree instead (which carries ``start_mark`` for every node), build the data
ourselves, and record where each value and key starts, so later validation errors can point
into the file.

The result is restricted to the JSON data model so a YAML flow means the same as its JSON
spelling: scalars are built with the SafeLoader's constructors (null, bool, int, float, str);
an unquoted date/time stays the string it was written as; mapping keys must be strings;
other tags (``!!binary``, ``!!set``, custom ``!tags``) and merge keys (``<<``) are rejected.
Anchors and aliases are resolved to the same Python object; positions under an alias are those
of the anchored node, which is where the value is written.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader

from dataflow.loading.errors import DocumentSyntaxError
from dataflow.loading.positions import LineIndex, Path, Position, SourceMap

MAX_DEPTH = 200
MAX_ALIAS_EXPANSION = 100_000  # nodes revisited through aliases; guards against "billion laughs"

_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_TAG + name for name in ("null", "bool", "int", "float", "str"))
_AS_WRITTEN_TAGS = frozenset((_TAG + "timestamp", _TAG + "value"))  # kept as the written string
_NON_PRINTABLE = Reader.NON_PRINTABLE


def load_yaml(text: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document; return the data and the positions of its values and keys.

    A leading byte-order mark is ignored; an empty document loads as ``None``.  Raises
    :class:`DocumentSyntaxError` on any error.
    """
    text = text.removeprefix("\ufeff")
    root = _compose(text)
    if root is None:
        return None, SourceMap(values={(): Position(1, 1)})
    return _Builder().build(root)


def _compose(text: str) -> Node | None:
    _check_printable(text)
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error) from None
    except yaml.YAMLError as error:  # unmarked errors are rare (reader problems) but possible
        raise DocumentSyntaxError(str(error), 1, 1) from None
    except RecursionError:
        raise DocumentSyntaxError("the document is nested too deeply", 1, 1) from None


def _check_printable(text: str) -> None:
    """Reject characters YAML forbids, with an exact position (libyaml reports byte offsets)."""
    match = _NON_PRINTABLE.search(text)
    if match:
        position = LineIndex(text).position(match.start())
        message = f"character U+{ord(match.group()):04X} is not allowed in a YAML document"
        raise DocumentSyntaxError.at(message, position)


def _syntax_error(error: yaml.MarkedYAMLError) -> DocumentSyntaxError:
    mark = error.problem_mark or error.context_mark
    message = error.problem or error.context or "invalid YAML"
    if error.problem and error.context:
        message = f"{error.problem} ({error.context}{_mark_suffix(error.context_mark)})"
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return DocumentSyntaxError(message, line, column)


def _mark_suffix(mark: yaml.Mark | None) -> str:
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def _position(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def _fail(message: str, node: Node) -> DocumentSyntaxError:
    return DocumentSyntaxError.at(message, _position(node))


def _check_depth(collection: Node, depth: int) -> None:
    """``depth`` counts the collections around ``collection``; the root is at depth 0."""
    if depth >= MAX_DEPTH:
        raise _fail(f"the document is nested deeper than {MAX_DEPTH} levels", collection)


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


class _Builder:
    """Walks a composed node tree once, building data and recording positions."""

    def __init__(self) -> None:
        self.source_map = SourceMap()
        self.constructor = SafeConstructor()
        self.built: dict[int, Any] = {}  # id(node) -> data, so aliases share one object
        self.in_progress: set[int] = set()  # ids of containers being built (recursion check)
        self.alias_budget = MAX_ALIAS_EXPANSION

    def build(self, root: Node) -> tuple[Any, SourceMap]:
        return self.node(root, (), 0), self.source_map

    def node(self, node: Node, path: Path, depth: int) -> Any:
        self.source_map.values[path] = _position(node)
        if id(node) in self.in_progress:
            raise _fail("an alias refers to a collection that contains it (recursive data)", node)
        if id(node) in self.built:
            self.record_alias(node, path, depth)
            return self.built[id(node)]
        data = self.new(node, path, depth)
        self.built[id(node)] = data
        return data

    def new(self, node: Node, path: Path, depth: int) -> Any:
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        _check_depth(node, depth)
        self.in_progress.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self.sequence(node, path, depth)
            return self.mapping(node, path, depth)
        finally:
            self.in_progress.discard(id(node))

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag in _AS_WRITTEN_TAGS:
            return node.value
        if node.tag not in _SCALAR_TAGS:
            raise _fail(f"unsupported YAML tag {_short_tag(node.tag)!r}", node)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, KeyError, yaml.YAMLError):  # e.g. "!!int abc", "!!bool maybe"
            raise _fail(f"invalid {_short_tag(node.tag)} value {node.value!r}", node) from None

    def sequence(self, node: SequenceNode, path: Path, depth: int) -> list[Any]:
        if node.tag != _TAG + "seq":
            raise _fail(f"unsupported YAML tag {_short_tag(node.tag)!r}", node)
        return [self.node(item, (*path, index), depth + 1) for index, item in enumerate(node.value)]

    def mapping(self, node: MappingNode, path: Path, depth: int) -> dict[str, Any]:
        if node.tag != _TAG + "map":
            raise _fail(f"unsupported YAML tag {_short_tag(node.tag)!r}", node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node)
            member_path = (*path, key)
            if key in result:
                first = self.source_map.keys[member_path]
                raise _fail(f"duplicate key {key!r} (first defined at {first})", key_node)
            self.source_map.keys[member_path] = _position(key_node)
            result[key] = self.node(value_node, member_path, depth + 1)
        return result

    def key(self, node: Node) -> str:
        if node.tag == _TAG + "merge":
            raise _fail("merge keys ('<<') are not supported; write the keys out or quote '<<'", node)
        if not isinstance(node, ScalarNode):
            raise _fail("mapping keys must be strings, not collections", node)
        key = self.scalar(node)
        if not isinstance(key, str):
            kind = "null" if key is None else type(key).__name__
            raise _fail(f"mapping key {node.value!r} is read as {kind}, not a string; quote it", node)
        return key

    def record_alias(self, node: Node, path: Path, depth: int) -> None:
        """Record positions under a path that reaches an already built node through an alias."""
        self.alias_budget -= 1
        if self.alias_budget < 0:
            raise _fail(f"aliases expand to more than {MAX_ALIAS_EXPANSION} values", node)
        self.source_map.values[path] = _position(node)
        if not isinstance(node, ScalarNode):
            _check_depth(node, depth)
        for child_path, key_node, child in self.children(node, path):
            if key_node is not None:
                self.source_map.keys[child_path] = _position(key_node)
            self.record_alias(child, child_path, depth + 1)

    def children(self, node: Node, path: Path) -> list[tuple[Path, Node | None, Node]]:
        if isinstance(node, SequenceNode):
            return [((*path, index), None, item) for index, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            data_keys = (self.key(key_node) for key_node, _ in node.value)
            return [
                ((*path, key), key_node, value) for key, (key_node, value) in zip(data_keys, node.value, strict=True)
            ]
        return []
