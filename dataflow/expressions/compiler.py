"""The syntax tree → one Python closure per node, built once per job; evaluating a record only calls them.

Nothing is interpreted per record and nothing is generated as source: each node becomes a small function
calling its children's functions. Constant sub-expressions are folded, literal regexes compiled here, and the
shapes that dominate real flows are specialised (``field eq 'text'`` reads the field and compares strings
inline; a ternary between two constants picks one without calling them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dataflow.errors import RecordError
from dataflow.expressions import access, methods, nodes, values
from dataflow.expressions.code import Code, checked_regex, condition, constant, folded
from dataflow.expressions.errors import ExpressionError
from dataflow.expressions.fields import compile_field, is_plain
from dataflow.expressions.operators import compile_binary


def compile_node(node: nodes.Node) -> Code:
    if type(node) is nodes.Binary:
        return compile_binary(node, compile_node(node.left), compile_node(node.right))
    return _COMPILERS[type(node)](node)


def _literal(node: nodes.Literal) -> Code:
    return constant(node.value)


def _name(node: nodes.Name) -> Code:
    return Code(compile_field(node.path), plain_key=node.path if is_plain(node.path) else None)


def _property(node: nodes.Property) -> Code:
    target, name, property_of = compile_node(node.target).run, node.name, access.property_of
    return Code(lambda record: property_of(target(record), name))


def _index(node: nodes.Index) -> Code:
    target, key = compile_node(node.target), compile_node(node.key)
    index_of = access.index_of
    target_run = target.run
    if key.constant:
        fixed = key.value
        return Code(lambda record: index_of(target_run(record), fixed))
    key_run = key.run
    return Code(lambda record: index_of(target_run(record), key_run(record)))


def _array(node: nodes.ArrayLiteral) -> Code:
    items = [compile_node(item) for item in node.items]
    runs = [item.run for item in items]
    fixed = tuple(item.value for item in items) if all(item.constant for item in items) else None
    if fixed is not None:
        return Code(lambda record: list(fixed), items=fixed)
    return Code(lambda record: [run(record) for run in runs])


def _map(node: nodes.MapLiteral) -> Code:
    entries = [(compile_node(key).run, compile_node(value).run) for key, value in node.entries]

    def build(record: dict) -> dict:
        try:
            return {key(record): value(record) for key, value in entries}
        except TypeError:
            raise RecordError("a map key must be text, a number or a boolean") from None

    return Code(build)


def _unary(node: nodes.Unary) -> Code:
    operand = compile_node(node.operand)
    if node.operator == "!":
        if operand.constant:
            return constant(not values.truthy(operand.value))
        test = condition(operand)
        return Code(lambda record: not test(record), boolean=True)
    function = _UNARY_FUNCTIONS[node.operator]
    if node.operator in ("-", "+"):
        result = folded(function, operand)
        if result is not None:
            return result
    run = operand.run
    return Code(lambda record: function(run(record)), boolean=node.operator == "empty")


_UNARY_FUNCTIONS = {"-": values.negate, "+": values.positive, "empty": access.is_empty, "size": access.size_of}


def _logical(node: nodes.Logical) -> Code:
    left, right = condition(compile_node(node.left)), condition(compile_node(node.right))
    if node.operator == "&&":
        return Code(lambda record: left(record) and right(record), boolean=True)
    return Code(lambda record: left(record) or right(record), boolean=True)


def _conditional(node: nodes.Conditional) -> Code:
    test = compile_node(node.test)
    otherwise = compile_node(node.otherwise)
    if node.then is None:  # elvis: the test's own value when it is true
        test_run, otherwise_run, truthy = test.run, otherwise.run, values.truthy
        return Code(lambda record: value if truthy(value := test_run(record)) else otherwise_run(record))
    then = compile_node(node.then)
    if test.constant:
        return then if values.truthy(test.value) else otherwise
    check = condition(test)
    if then.constant and otherwise.constant:
        yes, no = then.value, otherwise.value
        return Code(lambda record: yes if check(record) else no, boolean=then.boolean and otherwise.boolean)
    then_run, otherwise_run = then.run, otherwise.run
    return Code(
        lambda record: then_run(record) if check(record) else otherwise_run(record),
        boolean=then.boolean and otherwise.boolean,
    )


def _null_coalesce(node: nodes.NullCoalesce) -> Code:
    left, right = compile_node(node.left).run, compile_node(node.right).run
    return Code(lambda record: value if (value := left(record)) is not None else right(record))


def _method(node: nodes.MethodCall) -> Code:
    if node.name not in methods.NAMES:
        known = ", ".join(sorted(methods.NAMES))
        raise ExpressionError(f"unsupported method '{node.name}()'; the supported methods are {known}", node.offset)
    counts = methods.arities(node.name)
    if len(node.args) not in counts:
        expected = " or ".join(map(str, sorted(counts)))
        raise ExpressionError(f"{node.name}() takes {expected} argument(s), not {len(node.args)}", node.offset)
    target = compile_node(node.target).run
    arguments = [compile_node(argument) for argument in node.args]
    if node.name in methods.REGEX_ARGUMENT and arguments[0].constant and type(arguments[0].value) is str:
        checked_regex(arguments[0].value, node.args[0].offset)
    name, count, lookup = node.name, len(arguments), methods.lookup
    runs = [argument.run for argument in arguments]
    if count == 0:

        def call(record: dict) -> Any:
            receiver = target(record)
            if receiver is None:
                return None
            return lookup(receiver, name, 0)(receiver)

    else:

        def call(record: dict) -> Any:
            receiver = target(record)
            if receiver is None:
                return None
            return lookup(receiver, name, count)(receiver, *[run(record) for run in runs])

    return Code(call)


_COMPILERS: dict[type, Callable[[Any], Code]] = {
    nodes.Literal: _literal,
    nodes.Name: _name,
    nodes.Property: _property,
    nodes.Index: _index,
    nodes.ArrayLiteral: _array,
    nodes.MapLiteral: _map,
    nodes.Unary: _unary,
    nodes.Logical: _logical,
    nodes.Conditional: _conditional,
    nodes.NullCoalesce: _null_coalesce,
    nodes.MethodCall: _method,
}
