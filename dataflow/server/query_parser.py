"""The recursive-descent parser behind ``query.parse``: tokens in, a ``Query`` with a compiled predicate out."""

from __future__ import annotations

import re
from typing import Any

from dataflow.server.query import Document, Predicate, Query, QuerySyntaxError, Token

_COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_MISSING = object()


def lookup(document: Document, path: str) -> Any:
    """A field by its dotted path; a literal key holding dots wins (as everywhere in the engine)."""
    if path in document:
        return document[path]
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def compare(op: str, left: Any, right: Any) -> bool:
    """SQL-ish: a comparison with null (other than = null / != null) or across types is false."""
    if left is None or right is None:
        return (left is None and right is None) if op == "=" else (op in ("!=", "<>") and left is not right)
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    if isinstance(left, (int, float)) and isinstance(right, str):
        return False
    if isinstance(left, str) and isinstance(right, (int, float)):
        return False
    try:
        return bool(_COMPARE[op](left, right))
    except TypeError:
        return False


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    # -- token helpers ------------------------------------------------------------------------------------
    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def _advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _is(self, *keywords: str) -> bool:
        token = self.current
        return (token.kind == "keyword" and token.value in keywords) or (token.kind == "op" and token.text in keywords)

    def _is_count(self) -> bool:
        """``count(*)``: four tokens, the word case-insensitive."""
        word, *rest = self.tokens[self.index : self.index + 4]
        return (
            word.kind == "word"
            and str(word.value).lower() == "count"
            and [token.text for token in rest] == ["(", "*", ")"]
        )

    def _expect(self, keyword: str) -> Token:
        if not self._is(keyword):
            raise self._error(f"expected {keyword.upper() if keyword.isalpha() else repr(keyword)}")
        return self._advance()

    def _error(self, message: str) -> QuerySyntaxError:
        token = self.current
        found = "the end of the query" if token.kind == "end" else repr(token.text)
        return QuerySyntaxError(f"{message}, found {found}", token.column)

    def _field(self) -> str:
        if self.current.kind != "word":
            raise self._error("expected a field name")
        return str(self._advance().value)

    def _whole_number(self, what: str) -> int:
        token = self.current
        if token.kind != "number" or not isinstance(token.value, int) or token.value < 0:
            raise self._error(f"expected a whole number after {what}")
        self._advance()
        return token.value

    # -- grammar --------------------------------------------------------------------------------------------
    def query(self) -> Query:
        self._expect("select")
        fields: list[str] | None
        counting = False
        if self._is("*"):
            self._advance()
            fields = None
        elif self._is_count():
            self.index += 4
            fields, counting = None, True
        else:
            fields = [self._field()]
            while self._is(","):
                self._advance()
                fields.append(self._field())
        self._expect("from")
        result = Query(table=self._field(), fields=fields, count=counting)
        if self._is("where"):
            self._advance()
            start = self.index
            result.where = self._or()
            result.conjuncts, result.where_is_conjuncts = _conjuncts(self.tokens[start : self.index])
        if self._is("order"):
            self._advance()
            self._expect("by")
            result.order_by.append(self._order_item())
            while self._is(","):
                self._advance()
                result.order_by.append(self._order_item())
        for _ in range(2):
            if self._is("start"):
                self._advance()
                result.start = self._whole_number("START")
            elif self._is("limit"):
                self._advance()
                result.limit = self._whole_number("LIMIT")
        if self.current.kind != "end":
            raise self._error("expected WHERE, ORDER BY, START, LIMIT or the end of the query")
        return result

    def _order_item(self) -> tuple[str, bool]:
        name = self._field()
        if self._is("asc", "desc"):
            return name, self._advance().value == "desc"
        return name, False

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._is("or"):
            self._advance()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda d: any(p(d) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self._is("and"):
            self._advance()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else (lambda d: all(p(d) for p in parts))

    def _not(self) -> Predicate:
        if self._is("not"):
            self._advance()
            inner = self._not()
            return lambda d: not inner(d)
        if self._is("("):
            self._advance()
            inner = self._or()
            self._expect(")")
            return inner
        return self._condition()

    def _condition(self) -> Predicate:
        name = self._field()
        if self._is("is"):
            self._advance()
            negate = bool(self._is("not")) and self._advance() is not None
            self._expect("null")
            return (lambda d: lookup(d, name) is not None) if negate else (lambda d: lookup(d, name) is None)
        negate = False
        if self._is("not"):
            self._advance()
            negate = True
            if not self._is("in", "like"):
                raise self._error("expected IN or LIKE after NOT")
        if self._is("in"):
            self._advance()
            values = self._value_list()
            return lambda d: (any(compare("=", lookup(d, name), v) for v in values)) != negate
        if self._is("like"):
            self._advance()
            pattern = self._value()
            if not isinstance(pattern, str):
                raise self._error("expected a quoted pattern after LIKE")
            regex = _like(pattern)
            return lambda d: (isinstance(value := lookup(d, name), str) and bool(regex.fullmatch(value))) != negate
        if self.current.kind != "op" or self.current.text not in _COMPARE:
            raise self._error("expected a comparison (=, !=, <, <=, >, >=), IN, LIKE or IS")
        op = self._advance().text
        value = self._value()
        return lambda d: compare(op, lookup(d, name), value)

    def _value_list(self) -> list[Any]:
        self._expect("(")
        values = [self._value()]
        while self._is(","):
            self._advance()
            values.append(self._value())
        self._expect(")")
        return values

    def _value(self) -> Any:
        token = self.current
        if token.kind in ("string", "number"):
            self._advance()
            return token.value
        if token.kind == "keyword" and token.value in ("true", "false", "null"):
            self._advance()
            return {"true": True, "false": False, "null": None}[token.value]
        raise self._error("expected a value (a quoted string, a number, true, false or null)")


def _like(pattern: str) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return re.compile("".join(parts), re.DOTALL | re.IGNORECASE)


def _conjuncts(tokens: list[Token]) -> tuple[list[tuple[str, str, Any]], bool]:
    """Leading ``field = literal`` terms joined by AND, and whether they are the whole condition.

    Only those can be handed to the store as SQL equalities; anything else stays with the compiled predicate.
    With an OR anywhere none is taken (AND binds tighter, so a leading term may not be required).
    """
    if any(t.kind == "keyword" and t.value == "or" for t in tokens):
        return [], False
    found: list[tuple[str, str, Any]] = []
    index = 0
    while index < len(tokens):
        name, op, value = [*tokens[index : index + 3], None, None, None][:3]
        follows = tokens[index + 3] if index + 3 < len(tokens) else None
        if not (
            name is not None
            and name.kind == "word"
            and op is not None
            and op.text == "="
            and value is not None
            and value.kind in ("string", "number")
            and (follows is None or (follows.kind == "keyword" and follows.value == "and"))
        ):
            return found, False
        found.append((str(name.value), "=", value.value))
        index += 4
    return found, True
