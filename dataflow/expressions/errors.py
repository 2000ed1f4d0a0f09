"""The one exception compiling an expression raises, with the place in the text it is about."""

from __future__ import annotations


class ExpressionError(ValueError):
    """A syntax error or unsupported syntax, found when the expression is compiled (never per record).

    ``offset`` is the 0-based index in the expression text of the offending character, so that
    ``dataflow validate`` can point at the column inside the flow file.
    """

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset

    def __str__(self) -> str:
        return f"{self.message} (at offset {self.offset})"
