"""The one error type raised when a dataflow document cannot be read.

JSON and YAML report syntax problems in different shapes (``json.JSONDecodeError``,
``yaml.MarkedYAMLError``, ``UnicodeDecodeError``).  Callers that show errors to a flow author
only need a message and a 1-based line and column, so every loader converts its native error
into :class:`DocumentSyntaxError`.  It subclasses ``ValueError`` so generic handlers still work.
"""

from __future__ import annotations

from dataflow.loading.positions import Position


class DocumentSyntaxError(ValueError):
    """A document is not well-formed JSON/YAML (or not UTF-8); points at the offending place."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line  # 1-based
        self.column = column  # 1-based

    @classmethod
    def at(cls, message: str, position: Position) -> DocumentSyntaxError:
        return cls(message, position.line, position.column)

    @property
    def position(self) -> Position:
        return Position(self.line, self.column)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"DocumentSyntaxError({self.message!r}, line={self.line}, column={self.column})"
