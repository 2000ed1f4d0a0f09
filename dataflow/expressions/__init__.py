"""Apache Commons JEXL 3 expressions, compiled once per job into Python closures.

Public API::

    expression = compile_expression("Subscribed eq 'true' ? 'Yes' : 'No'")   # ExpressionError(message, offset)
    expression.evaluate({"Subscribed": "true"})                              # 'Yes'; RecordError on failure

Pipeline: ``tokens`` (text → tokens with offsets) → ``parser`` (precedence climbing → ``nodes``) →
``compiler``/``operators`` (nodes → closures over ``values``, ``matching``, ``access``, ``methods``). No
``eval``/``exec``; the tree is never walked per record. Field binding rules are in ``fields``; value semantics
(truth, ``==``, ordering, arithmetic, null) in ``values``; ``=~`` and regexes in ``matching``.

Unsupported (a compile-time ``ExpressionError`` naming it): scripts and statements (``;``, ``var``, ``if``,
loops, ``return``), assignment, lambdas, ``new``, namespace functions (``ns:f()``), functions other than
``empty``/``size``, methods outside the whitelist in ``methods``, bitwise and shift operators, ranges
(``a..b``), set literals, template strings, ``===``, ``++``/``--``, annotations and pragmas.
"""

from __future__ import annotations

from dataflow.expressions.errors import ExpressionError
from dataflow.expressions.expression import Expression, compile_expression

__all__ = ["Expression", "ExpressionError", "compile_expression"]
