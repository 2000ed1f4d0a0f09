"""A precedence-climbing parser for the Apache Commons JEXL 3 expression grammar (expressions, no scripts).

Precedence, loosest first, as in Apache's ``Parser.jjt``: ``?:`` ternary / elvis / ``??`` (right-assoc),
``||``, ``&&``, equality (``== !=``), relational and matching (``< <= > >= =~ !~ =^ !^ =$ !$``), ``+ -``,
``* / %``, unary (``- + ! not empty size``), then member access, calls and indexing. Comparisons do not chain
(``a == b == c`` is a syntax error in Apache JEXL too). Unsupported syntax is named, with its offset.
"""

from __future__ import annotations

from dataflow.expressions import nodes
from dataflow.expressions.errors import ExpressionError
from dataflow.expressions.tokens import Token, tokenize

_LOGICAL = {"||": 1, "or": 1, "&&": 2, "and": 2}
_SYMBOL = {"or": "||", "and": "&&", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_SYMBOL |= {"div": "/", "mod": "%", "not": "!"}
_EQUALITY, _RELATIONAL = 3, 4
_BINARY = {op: _EQUALITY for op in ("==", "!=", "eq", "ne")}
_BINARY |= {op: _RELATIONAL for op in ("<", "<=", ">", ">=", "lt", "le", "gt", "ge", "=~", "!~", "=^", "!^", "=$")}
_BINARY |= {"!$": _RELATIONAL, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "div": 6, "mod": 6}
_UNARY = frozenset({"-", "+", "!", "not", "empty", "size"})
_STATEMENT_WORDS = frozenset(
    {"var", "let", "const", "if", "else", "for", "while", "do", "new", "return", "function", "break", "continue"}
)
_UNSUPPORTED = {
    "=": "assignment is not supported",
    ";": "only one expression is supported: ';' would start another statement",
    "`": "template strings (`...${x}`) are not supported",
    "..": "ranges (a .. b) are not supported",
    "...": "'...' is not supported",
    "->": "lambdas are not supported",
    "=>": "lambdas are not supported",
    "===": "strict equality '===' is not supported; use '==' or 'eq'",
    "!==": "strict inequality '!==' is not supported; use '!=' or 'ne'",
    "++": "increment/decrement operators are not supported",
    "--": "increment/decrement operators are not supported",
    "@": "annotations are not supported",
    "#": "pragmas are not supported",
}
_UNSUPPORTED |= {op: "bitwise operators are not supported" for op in ("&", "|", "^", "~")}
_UNSUPPORTED |= {op: "shift operators are not supported" for op in ("<<", ">>", ">>>")}
_UNSUPPORTED |= {op + "=": "assignment is not supported" for op in ("+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>")}
_OPERAND_START = frozenset({"num", "str", "name"})


def parse(text: str) -> nodes.Node:
    return _Parser(tokenize(text)).parse_all()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    # helpers ---------------------------------------------------------------------------------------------
    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.token
        return token.kind in ("op", "word") and token.text in texts

    def expect(self, text: str, why: str) -> Token:
        if not self.at(text):
            raise self.unexpected(f"expected '{text}' {why}")
        return self.advance()

    def unexpected(self, expected: str = "") -> ExpressionError:
        token = self.token
        if token.kind == "op" and token.text in _UNSUPPORTED:
            return ExpressionError(_UNSUPPORTED[token.text], token.offset)
        if token.kind == "name" and token.text in _STATEMENT_WORDS:
            return ExpressionError(f"'{token.text}' is not supported: only expressions, not statements", token.offset)
        found = {"end": "end of expression", "str": token.text}.get(token.kind, f"'{token.text}'")
        return ExpressionError(f"{expected}, found {found}" if expected else f"unexpected {found}", token.offset)

    def starts_operand(self, token: Token) -> bool:
        if token.kind in _OPERAND_START:
            return True
        if token.kind == "word":
            return token.text in ("null", "true", "false", "not", "empty", "size")
        return token.kind == "op" and token.text in ("(", "[", "{", "-", "+", "!")

    # grammar ---------------------------------------------------------------------------------------------
    def parse_all(self) -> nodes.Node:
        if self.token.kind == "end":
            raise ExpressionError("empty expression", 0)
        node = self.conditional()
        if self.token.kind != "end":
            if self.at(":"):
                message = "unexpected ':' (namespace functions such as ns:f() are not supported)"
                raise ExpressionError(message, self.token.offset)
            raise self.unexpected("expected an operator or the end of the expression")
        return node

    def conditional(self) -> nodes.Node:
        test = self.binary(1)
        token = self.token
        if self.at("?"):
            self.advance()
            then = self.conditional()
            self.expect(":", "of the ternary 'test ? then : otherwise'")
            return nodes.Conditional(token.offset, test, then, self.conditional())
        if self.at("?:"):
            self.advance()
            return nodes.Conditional(token.offset, test, None, self.conditional())
        if self.at("??"):
            self.advance()
            return nodes.NullCoalesce(token.offset, test, self.conditional())
        return test

    def binary(self, min_precedence: int) -> nodes.Node:
        left = self.unary()
        chained: int | None = None
        while True:
            token = self.token
            if token.kind not in ("op", "word"):
                return left
            precedence = _LOGICAL.get(token.text) or _BINARY.get(token.text)
            if precedence is None or precedence < min_precedence:
                return left
            if precedence == chained:
                raise ExpressionError(f"comparisons do not chain: add parentheses before '{token.text}'", token.offset)
            self.advance()
            right = self.binary(precedence + 1)
            operator = _SYMBOL.get(token.text, token.text)
            if token.text in _LOGICAL:
                left = nodes.Logical(token.offset, operator, left, right)
            else:
                left = nodes.Binary(token.offset, operator, left, right)
            chained = precedence if precedence in (_EQUALITY, _RELATIONAL) else None

    def unary(self) -> nodes.Node:
        token = self.token
        if token.kind in ("op", "word") and token.text in _UNARY:
            if token.text in ("empty", "size") and not self.starts_operand(self.tokens[self.index + 1]):
                self.advance()  # a field that happens to be called 'size' or 'empty'
                return self.postfix(nodes.Name(token.offset, token.text))
            self.advance()
            return nodes.Unary(token.offset, _SYMBOL.get(token.text, token.text), self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: nodes.Node) -> nodes.Node:
        while True:
            token = self.token
            if self.at(".", "?."):
                self.advance()
                node = self.member(node)
            elif self.at("["):
                self.advance()
                key = self.conditional()
                self.expect("]", "to close the index")
                node = nodes.Index(token.offset, node, key)
            elif self.at("(") and isinstance(node, nodes.Name):
                name = node.path
                raise ExpressionError(f"unknown function '{name}()': the functions are empty() and size()", node.offset)
            else:
                return node

    def member(self, target: nodes.Node) -> nodes.Node:
        token = self.advance()
        if token.kind == "str":
            return nodes.Property(token.offset, target, token.value)
        if token.kind not in ("name", "word"):
            self.index -= 1
            raise self.unexpected("expected a property or method name after '.'")
        if self.at("("):
            self.advance()
            return nodes.MethodCall(token.offset, target, token.text, self.arguments(")"))
        if isinstance(target, nodes.Name):
            return nodes.Name(target.offset, f"{target.path}.{token.text}")
        return nodes.Property(token.offset, target, token.text)

    def arguments(self, closing: str) -> tuple[nodes.Node, ...]:
        items: list[nodes.Node] = []
        while not self.at(closing):
            if closing == "]" and self.at("..."):
                self.advance()  # JEXL's "[1, 2, ...]" asks for a list rather than an array: the same here
                break
            items.append(self.conditional())
            if not self.at(","):
                break
            self.advance()
        self.expect(closing, "to close the list" if closing == "]" else "to close the argument list")
        return tuple(items)

    def primary(self) -> nodes.Node:
        token = self.advance()
        kind, text = token.kind, token.text
        if kind in ("num", "str"):
            return nodes.Literal(token.offset, token.value)
        if kind == "word" and text in ("null", "true", "false"):
            return nodes.Literal(token.offset, {"null": None, "true": True, "false": False}[text])
        if kind == "name" and text not in _STATEMENT_WORDS:
            return nodes.Literal(token.offset, float("nan")) if text == "NaN" else nodes.Name(token.offset, text)
        if kind == "op" and text == "(":
            inner = self.conditional()
            self.expect(")", "to close '('")
            return inner
        if kind == "op" and text == "[":
            return nodes.ArrayLiteral(token.offset, self.arguments("]"))
        if kind == "op" and text == "{":
            return self.map_literal(token)
        self.index -= 1
        raise self.unexpected("expected a value")

    def map_literal(self, opening: Token) -> nodes.Node:
        entries: list[tuple[nodes.Node, nodes.Node]] = []
        if self.at(":"):  # {:} is JEXL's empty map
            self.advance()
        while not self.at("}"):
            key = self.conditional()
            if not self.at(":"):
                raise ExpressionError("set literals are not supported; a map is written {'key': value}", opening.offset)
            self.advance()
            entries.append((key, self.conditional()))
            if not self.at(","):
                break
            self.advance()
        self.expect("}", "to close the map")
        return nodes.MapLiteral(opening.offset, tuple(entries))
