"""A recursive-descent parser for ``SELECT … FROM … [WHERE] [FILTER] [GROUP BY] [ORDER BY] [START] [LIMIT]``.

The clause order is fixed and anything unexpected is an error naming the token, as Gigya answers 400006 to a
malformed query. One leniency: two selected paths with no comma between them (tap-gigya's query has that
typo, and it works against Gigya) count as two fields, since an alias needs ``AS``.
"""

from __future__ import annotations

from typing import Any

from sandbox.gigya.query.ast import (
    AGGREGATES,
    And,
    Compare,
    Contains,
    In,
    IsNull,
    Node,
    Not,
    Or,
    Query,
    Regex,
    SelectItem,
)
from sandbox.gigya.query.lexer import LexError, Token, tokenize


class QueryError(ValueError):
    """A query the server refuses (400006)."""


class _Parser:
    def __init__(self, text: str) -> None:
        try:
            self.tokens = tokenize(text)
        except LexError as problem:
            raise QueryError(str(problem)) from None
        self.pos = 0

    # -- token helpers ---------------------------------------------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def fail(self, expected: str) -> QueryError:
        token = self.token
        found = "end of query" if token.kind == "end" else repr(token.text)
        return QueryError(f"expected {expected} at position {token.position}, found {found}")

    def keyword(self, *words: str) -> bool:
        if self.token.is_keyword(*words):
            self.pos += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise self.fail(word.upper())

    def punct(self, char: str) -> bool:
        if self.token.is_punct(char):
            self.pos += 1
            return True
        return False

    def expect_punct(self, char: str) -> None:
        if not self.punct(char):
            raise self.fail(repr(char))

    def path(self) -> str:
        if self.token.kind != "ident":
            raise self.fail("a field name")
        return str(self.advance().value)

    def integer(self, clause: str) -> int:
        token = self.token
        if token.kind != "number" or not isinstance(token.value, int) or token.value < 0:
            raise self.fail(f"a non-negative integer after {clause}")
        self.pos += 1
        return token.value

    # -- clauses -----------------------------------------------------------------------------------------------
    def query(self) -> Query:
        self.expect_keyword("select")
        select = self.select_list()
        self.expect_keyword("from")
        if self.token.kind != "ident":
            raise self.fail("a source name after FROM")
        query = Query(select=select, source=str(self.advance().value))
        if self.keyword("where"):
            query.where = self.expression()
        if self.token.is_keyword("filter"):
            raise QueryError("FILTER is not supported by the sandbox")
        if self.keyword("group"):
            self.expect_keyword("by")
            query.group_by = [self.path()]
            while self.punct(","):
                query.group_by.append(self.path())
        if self.keyword("order"):
            self.expect_keyword("by")
            query.order_by = [self.order_item()]
            while self.punct(","):
                query.order_by.append(self.order_item())
        if self.keyword("start"):
            query.start = self.integer("START")
        if self.keyword("limit"):
            query.limit = self.integer("LIMIT")
        if self.token.kind != "end":
            raise self.fail("end of query (clauses go SELECT, FROM, WHERE, GROUP BY, ORDER BY, START, LIMIT)")
        return query

    def select_list(self) -> list[SelectItem]:
        items = [self.select_item()]
        while True:
            if self.punct(","):
                items.append(self.select_item())
            elif self.token.kind == "ident" and items[-1].path is not None:
                items.append(self.select_item())  # a missing comma (see the module docstring)
            else:
                return items

    def select_item(self) -> SelectItem:
        if self.punct("*"):
            return SelectItem(None)
        if self.token.kind != "ident":
            raise self.fail("a field name, * or an aggregate")
        name = str(self.advance().value)
        if self.token.is_punct("(") and name.lower() in AGGREGATES:
            self.pos += 1
            function = name.lower()
            path = None if self.punct("*") else self.path()
            if path is None and function != "count":
                raise QueryError(f"{function}(*) is not allowed: name a numeric field")
            self.expect_punct(")")
            alias = self.path() if self.keyword("as") else None
            return SelectItem(path, alias, function)
        alias = None
        if self.keyword("as"):
            if self.token.kind != "ident" or "." in str(self.token.value):
                raise self.fail("an alias (a plain name) after AS")
            alias = str(self.advance().value)
        return SelectItem(name, alias)

    def order_item(self) -> tuple[str, bool]:
        path = self.path()
        if self.keyword("desc"):
            return path, True
        self.keyword("asc")
        return path, False

    # -- WHERE expressions -------------------------------------------------------------------------------------------
    def expression(self) -> Node:
        items = [self.conjunction()]
        while self.keyword("or"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conjunction(self) -> Node:
        items = [self.negation()]
        while self.keyword("and"):
            items.append(self.negation())
        return items[0] if len(items) == 1 else And(tuple(items))

    def negation(self) -> Node:
        if self.keyword("not"):
            return Not(self.negation())
        if self.punct("("):
            node = self.expression()
            self.expect_punct(")")
            return node
        return self.condition()

    def condition(self) -> Node:
        path = self.path()
        token = self.token
        if token.kind == "op":
            self.pos += 1
            return Compare(path, str(token.value), self.literal())
        if self.keyword("is"):
            negate = self.keyword("not")
            self.expect_keyword("null")
            return IsNull(path, negate)
        negate = self.keyword("not")
        if self.keyword("in"):
            self.expect_punct("(")
            values = [self.literal()]
            while self.punct(","):
                values.append(self.literal())
            self.expect_punct(")")
            return In(path, tuple(values), negate)
        if self.keyword("contains"):
            if self.token.kind != "string":
                raise self.fail("a quoted string after CONTAINS")
            return Contains(path, str(self.advance().value), negate)
        if self.keyword("regex"):
            parenthesised = self.punct("(")
            if self.token.kind != "string":
                raise self.fail("a quoted pattern after REGEX")
            raw = self.advance().text[1:-1]
            if parenthesised:
                self.expect_punct(")")
            return Regex(path, raw.replace("\\'", "'").replace('\\"', '"'), negate)
        raise self.fail("an operator (= != < <= > >= in, is null, contains, regex)")

    def literal(self) -> Any:
        token = self.token
        if token.kind in ("string", "number"):
            self.pos += 1
            return token.value
        if self.keyword("true"):
            return True
        if self.keyword("false"):
            return False
        if self.keyword("null"):
            return None
        raise self.fail("a value (a quoted string, a number, true, false or null)")


def parse(text: str) -> Query:
    return _Parser(text).query()
