"""The JEXL compiler: grammar, precedence, every operator in both spellings, methods, fields, errors."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest

from dataflow.errors import RecordError
from dataflow.expressions import ExpressionError, compile_expression


def ev(text: str, record: dict[str, Any] | None = None) -> Any:
    return compile_expression(text).evaluate(record if record is not None else {})


def error_of(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    return caught.value


def failure_of(text: str, record: dict[str, Any]) -> RecordError:
    expression = compile_expression(text)
    with pytest.raises(RecordError) as caught:
        expression.evaluate(record)
    return caught.value


# literals ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'single'", "single"),
        ('"double"', "double"),
        (r"'it\'s'", "it's"),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'a\nb\tc'", "a\nb\tc"),
        (r"'\u00e9t\u00E9'", "été"),
        (r"'back\\slash'", "back\\slash"),
        (r"'keeps \. and \d'", r"keeps \. and \d"),  # Apache keeps unknown escapes for regexes
        (r"'\"'", '\\"'),  # the other quote is not an escape inside single quotes
        ("42", 42),
        ("4.5", 4.5),
        ("1e3", 1000.0),
        ("2.5E-1", 0.25),
        ("0x1F", 31),
        ("010", 8),  # Java octal
        ("7L", 7),
        ("3f", 3.0),
        ("true", True),
        ("false", False),
        ("null", None),
        ("[]", []),
        ("[1, 'a', null]", [1, "a", None]),
        ("[1, 2, ...]", [1, 2]),
        ("{}", {}),
        ("{:}", {}),
        ("{'a': 1, 'b': [2]}", {"a": 1, "b": [2]}),
    ],
)
def test_literals(text: str, expected: Any) -> None:
    assert ev(text) == expected


def test_nan_literal() -> None:
    assert math.isnan(ev("NaN"))


def test_list_and_map_literals_are_fresh_per_evaluation() -> None:
    expression = compile_expression("[1, 2]")
    first = expression.evaluate({})
    first.append(3)
    assert expression.evaluate({}) == [1, 2]
    assert ev("{'k': v}", {"v": 1}) == {"k": 1}


# fields --------------------------------------------------------------------------------------------------
NESTED = {"data": {"subscribed": "Yes", "first_name": "Ann"}, "Subscribed": "true"}


@pytest.mark.parametrize(
    ("text", "record", "expected"),
    [
        ("Subscribed", NESTED, "true"),
        ("data.subscribed", NESTED, "Yes"),
        ("data_subscribed", NESTED, "Yes"),
        ("data?.subscribed", NESTED, "Yes"),
        ("data.first_name", NESTED, "Ann"),  # an underscore inside a nested key: write it with dots
        ("data_first_name", NESTED, None),
        ("data.subscribed", {"data.subscribed": "csv"}, "csv"),  # a CSV header is a literal dotted key
        ("data_subscribed", {"data.subscribed": "csv"}, "csv"),
        ("data.subscribed", {"data_subscribed": "flat"}, "flat"),
        ("data_subscribed", {"data_subscribed": "flat"}, "flat"),
        # literal keys win over nesting; the spelling written wins over the other
        ("data.subscribed", {"data.subscribed": "literal", "data": {"subscribed": "nested"}}, "literal"),
        ("data_subscribed", {"data_subscribed": "literal", "data": {"subscribed": "nested"}}, "literal"),
        ("data.subscribed", {"data_subscribed": "literal", "data": {"subscribed": "nested"}}, "literal"),
        ("data_subscribed", {"data.subscribed": "dotted", "data_subscribed": "underscored"}, "underscored"),
        ("data.subscribed", {"data.subscribed": "dotted", "data_subscribed": "underscored"}, "dotted"),
        ("profile.address.city", {"profile": {"address.city": "Oslo"}}, "Oslo"),
        ("missing", {}, None),
        ("data.missing", NESTED, None),
        ("Subscribed.deeper", NESTED, None),  # a string has no nested fields: the reference is absent
        ("present", {"present": None, "present_x": 1}, None),
        ("size", {"size": "L"}, "L"),  # 'size' and 'empty' stay usable as field names
        ("empty", {"empty": 0}, 0),
        ("_id", {"_id": "k"}, "k"),
        ("$x", {"$x": 1}, 1),
        ("prénom", {"prénom": "Zoé"}, "Zoé"),  # Java identifiers are Unicode
    ],
)
def test_field_references(text: str, record: dict[str, Any], expected: Any) -> None:
    assert ev(text, record) == expected


def test_a_present_null_is_not_looked_up_elsewhere() -> None:
    assert ev("data_subscribed", {"data_subscribed": None, "data": {"subscribed": "x"}}) is None


def test_size_as_a_field_in_a_comparison() -> None:
    assert ev("size eq 'L'", {"size": "L"}) is True


# operators in both spellings ------------------------------------------------------------------------------
PAIRS = [("==", "eq"), ("!=", "ne"), ("<", "lt"), ("<=", "le"), (">", "gt"), (">=", "ge")]
OPERANDS = [("1", "2"), ("2", "2"), ("3", "2"), ("'a'", "'b'"), ("'b'", "'b'"), ("x", "'1'"), ("x", "1"), ("n", "5")]


@pytest.mark.parametrize(("symbol", "word"), PAIRS)
@pytest.mark.parametrize(("left", "right"), OPERANDS)
def test_comparison_spellings_agree(symbol: str, word: str, left: str, right: str) -> None:
    record = {"x": "1", "n": None}
    assert ev(f"{left} {symbol} {right}", record) == ev(f"{left} {word} {right}", record)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 == 1", True),
        ("1 eq 1.0", True),
        ("'18' == 18", True),  # a number on one side reads the other as a number
        ("'18.0' eq 18", True),
        ("'abc' == 1", False),
        ("'' == 0", False),  # '' is no number when comparing (a 0 is not "empty")
        ("' 7 ' == 7", True),
        ("'a' ne 'b'", True),
        ("null == null", True),
        ("null eq ''", False),
        ("missing == null", True),
        ("true == 'true'", True),
        ("false eq 'false'", True),
        ("true == 'yes'", False),
        ("true == 1", True),
        ("[1, 2] == [1, 2]", True),
        ("2 < 10", True),
        ("'2' < 10", True),
        ("'10' lt '9'", True),  # two strings compare as text, as in JEXL
        ("'b' gt 'a'", True),
        ("3 >= 3", True),
        ("3 ge 4", False),
        ("2.5 le 2", False),
        ("missing < 1", False),  # a null operand makes an ordering false
        ("missing >= 1", False),
        ("false < true", True),
        ("NaN < 1", False),
    ],
)
def test_comparisons(text: str, expected: bool) -> None:
    assert ev(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true && true", True),
        ("true and false", False),
        ("false || true", True),
        ("false or false", False),
        ("!true", False),
        ("not true", False),
        ("not 'false'", True),  # the string 'false' is false
        ("!''", True),
        ("!0", True),
        ("!'x'", False),
        ("![]", False),  # non-null values are true, as in Java
        ("!missing", True),
        ("'a' && 1", True),  # && and || give booleans, not operands
        ("'' || 0", False),
    ],
)
def test_logic_in_both_spellings(text: str, expected: bool) -> None:
    assert ev(text) is expected


def test_logic_short_circuits() -> None:
    assert ev("false && s.substring(99) == 'x'", {"s": "a"}) is False
    assert ev("true or s.substring(99) == 'x'", {"s": "a"}) is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2", 3),
        ("'a' + 'b'", "ab"),
        ("'a' + 1", "a1"),
        ("'1' + 2", "12"),  # a string on either side concatenates
        ("1.5 + '!'", "1.5!"),
        ("'' + 2.0", "2.0"),
        ("'' + 1e20", "1.0E20"),
        ("'' + true", "true"),
        ("'x' + missing", "x"),  # null reads as '' in concatenation
        ("missing + 1", 1),  # and as 0 in arithmetic (lenient)
        ("missing + missing", 0),
        ("true + 1", 2),
        ("5 - 7", -2),
        ("'5' - 2", 3),
        ("'' - 2", -2),  # in arithmetic '' reads as 0, like null
        ("'1.5' * 2", 3.0),
        ("6 * 7", 42),
        ("7 / 2", 3),  # integers divide like Java
        ("-7 / 2", -3),
        ("7.0 / 2", 3.5),
        ("7 div 2", 3),
        ("7 % 3", 1),
        ("-7 % 3", -1),  # the sign of the dividend
        ("7 mod 3", 1),
        ("7.5 % 2", 1.5),
        ("-x", -3),
        ("-'4'", -4),
        ("+'4'", 4),
        ("-true", False),
        ("- -3", 3),
    ],
)
def test_arithmetic(text: str, expected: Any) -> None:
    result = ev(text, {"x": 3})
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),  # left-associative
        ("2 * 3 % 4", 2),
        ("-2 * 3", -6),
        ("1 + 2 == 3", True),
        ("1 < 2 == true", True),  # relational binds tighter than equality
        ("true || false && false", True),  # && binds tighter than ||
        ("(true || false) && false", False),
        ("not false and false", False),  # unary binds tighter than and
        ("1 == 1 and 2 == 3 or 4 == 4", True),
        ("true ? 1 : 2 + 10", 1),
        ("false ? 1 : 2 + 10", 12),
        ("false ? 1 : true ? 2 : 3", 2),  # right-associative
        ("true ? false ? 1 : 2 : 3", 2),
        ("x eq 'a' ? 'A' : x eq 'b' ? 'B' : 'other'", "B"),
        ("'a' + 'b' =~ 'ab'", True),
        ("missing ?: 'd' + 1", "d1"),
        ("x ?: 'default'", "b"),
        ("size('abc') * 2", 6),
        ("empty('') && true", True),
    ],
)
def test_precedence(text: str, expected: Any) -> None:
    assert ev(text, {"x": "b"}) == expected


@pytest.mark.parametrize(
    ("text", "record", "expected"),
    [
        ("a ?: 'd'", {"a": "v"}, "v"),
        ("a ?: 'd'", {"a": ""}, "d"),
        ("a ?: 'd'", {"a": "false"}, "d"),
        ("a ?: 'd'", {"a": 0}, "d"),
        ("a ?: 'd'", {}, "d"),
        ("a ?? 'd'", {"a": ""}, ""),  # ?? replaces only null
        ("a ?? 'd'", {"a": False}, False),
        ("a ?? 'd'", {}, "d"),
        ("a ? 'y' : 'n'", {"a": "true"}, "y"),
        ("a ? 'y' : 'n'", {"a": "false"}, "n"),
        ("a ? 'y' : 'n'", {"a": []}, "y"),
        ("a ? 'y' : 'n'", {}, "n"),
        ("true ? a : 'n'", {"a": 5}, 5),
    ],
)
def test_conditionals(text: str, record: dict[str, Any], expected: Any) -> None:
    assert ev(text, record) == expected


# matching ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "record", "expected"),
    [
        ("email =~ '.*@b\\\\.com'", {"email": "x@b.com"}, True),
        ("email =~ '.*@b\\\\.com'", {"email": "x@bxcom"}, False),
        ("email =~ 'b\\\\.com'", {"email": "x@b.com"}, False),  # the whole value must match
        ("email !~ '.*@b\\\\.com'", {"email": "x@c.com"}, True),
        ("n =~ '\\\\d+'", {"n": 42}, True),  # a number matches as text
        ("flag =~ 'tr.e'", {"flag": True}, True),
        ("missing =~ '.*'", {}, False),
        ("missing !~ '.*'", {}, True),
        ("x =~ ['a', 'b']", {"x": "b"}, True),
        ("x =~ ['a', 'b']", {"x": "c"}, False),
        ("x !~ ['a', 'b']", {"x": "c"}, True),
        ("x =~ [1, 2]", {"x": "2"}, True),  # membership uses == rules
        ("x =~ ['1', '2']", {"x": 2}, True),
        ("missing =~ ['a', null]", {}, False),  # null matches only a null container (Apache)
        ("x =~ {'a': 1}", {"x": "a"}, True),
        ("x =~ {'a': 1}", {"x": "b"}, False),
        ("x =~ list", {"x": "b", "list": ["a", "b"]}, True),
        ("x =~ pattern", {"x": "abc", "pattern": "a.c"}, True),
        ("x =~ pattern", {"x": "abc"}, False),
        ("x =^ 'ab'", {"x": "abc"}, True),
        ("x !^ 'ab'", {"x": "abc"}, False),
        ("x =$ 'bc'", {"x": "abc"}, True),
        ("x !$ 'bc'", {"x": "abc"}, False),
        ("x =^ 'ab'", {}, False),
        ("n =$ '5'", {"n": 15}, True),
        ("x =~ '(?<word>a)bc'", {"x": "abc"}, True),  # a Java named group
        ("x =~ '\\\\Qa.c\\\\E'", {"x": "a.c"}, True),  # Java \\Q...\\E quoting
        ("x =~ '\\\\Qa.c\\\\E'", {"x": "abc"}, False),
    ],
)
def test_matching_operators(text: str, record: dict[str, Any], expected: bool) -> None:
    assert ev(text, record) is expected


@pytest.mark.parametrize(
    ("text", "record", "expected"),
    [
        ("empty(x)", {"x": ""}, True),
        ("empty(x)", {"x": []}, True),
        ("empty(x)", {"x": {}}, True),
        ("empty(x)", {}, True),
        ("empty(x)", {"x": None}, True),
        ("empty(x)", {"x": " "}, False),
        ("empty(x)", {"x": 0}, False),
        ("empty x", {"x": "a"}, False),
        ("!empty(x)", {"x": "a"}, True),
        ("not empty(x)", {"x": ""}, False),
        ("size(x)", {"x": "abc"}, 3),
        ("size(x)", {"x": [1, 2]}, 2),
        ("size(x)", {"x": {"a": 1}}, 1),
        ("size(x)", {}, 0),
        ("size x > 1", {"x": "ab"}, True),
    ],
)
def test_empty_and_size(text: str, record: dict[str, Any], expected: Any) -> None:
    assert ev(text, record) == expected


# methods -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s.startsWith('He')", True),
        ("s.endsWith('lo')", True),
        ("s.contains('ell')", True),
        ("s.toUpperCase()", "HELLO"),
        ("s.toLowerCase()", "hello"),
        ("pad.trim()", "x y"),
        ("pad.strip()", "x y"),
        ("s.substring(1)", "ello"),
        ("s.substring(1, 3)", "el"),
        ("s.replace('l', 'L')", "HeLLo"),
        ("s.replaceAll('[aeiou]', '*')", "H*ll*"),
        ("s.replaceAll('(l+)', '<$1>')", "He<ll>o"),
        ("s.replaceFirst('l', '')", "Helo"),
        ("csv.split(',')", ["a", "b", "", "c"]),  # trailing empty strings dropped, as in Java
        ("csv.split(',', 2)", ["a", "b,,c,,"]),
        ("s.split('x')", ["Hello"]),
        ("s.length()", 5),
        ("s.indexOf('l')", 2),
        ("s.indexOf('l', 3)", 3),
        ("s.indexOf('z')", -1),
        ("s.lastIndexOf('l')", 3),
        ("s.equals('Hello')", True),
        ("s.equals('hello')", False),
        ("s.equalsIgnoreCase('hELLO')", True),
        ("s.isEmpty()", False),
        ("s.charAt(1)", "e"),
        ("s.concat('!')", "Hello!"),
        ("s.matches('H.*o')", True),
        ("s.toString()", "Hello"),
        ("n.toString()", "5"),
        ("n.equals(5)", True),
        ("n.equals('5')", False),
        ("items.size()", 3),
        ("items.contains('b')", True),
        ("items.indexOf('c')", 2),
        ("items.get(0)", "a"),
        ("items.isEmpty()", False),
        ("map.containsKey('k')", True),
        ("map.containsValue(1)", True),
        ("map.get('k')", 1),
        ("map.size()", 1),
        ("s.toLowerCase().substring(1, 3).toUpperCase()", "EL"),
        ("'literal'.length()", 7),
        ("missing.toUpperCase()", None),  # a method on null is null (null-safe)
        ("missing.substring(1, 2).length()", None),
        ("missing?.trim()", None),
    ],
)
def test_methods(text: str, expected: Any) -> None:
    record = {
        "s": "Hello",
        "pad": "\t x y \n",
        "csv": "a,b,,c,,",
        "n": 5,
        "items": ["a", "b", "c"],
        "map": {"k": 1},
    }
    assert ev(text, record) == expected


@pytest.mark.parametrize(
    ("text", "record", "expected"),
    [
        ("x[0]", {"x": [10, 20]}, 10),
        ("x[1 + 0]", {"x": [10, 20]}, 20),
        ("x['1']", {"x": [10, 20]}, 20),
        ("x[5]", {"x": [10, 20]}, None),  # outside the list: null (lenient)
        ("x[-1]", {"x": [10, 20]}, None),
        ("x['k']", {"x": {"k": "v"}}, "v"),
        ("x[key]", {"x": {"k": "v"}, "key": "k"}, "v"),
        ("x['nope']", {"x": {"k": "v"}}, None),
        ("x[1]", {"x": {"1": "one"}}, "one"),
        ("x[0]", {}, None),
        ("x[0].name", {"x": [{"name": "n"}]}, "n"),
        ("x[0].'odd key'", {"x": [{"odd key": 1}]}, 1),
        ("x[0].name", {"x": [None]}, None),
        ("s[1]", {"s": "abc"}, "b"),
        ("[1, 2, 3][2]", {}, 3),
        ("{'a': {'b': 2}}['a']['b']", {}, 2),
    ],
)
def test_indexing_and_navigation(text: str, record: dict[str, Any], expected: Any) -> None:
    assert ev(text, record) == expected


# runtime failures ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "record", "reason"),
    [
        ("n.toUpperCase()", {"n": 5}, "toUpperCase() is not a method of the number 5"),
        ("s.substring(9)", {"s": "abc"}, "substring(9) is out of range for a string of length 3"),
        ("s.substring(2, 1)", {"s": "abc"}, "out of range"),
        ("s.charAt(3)", {"s": "abc"}, "charAt(3) is out of range"),
        ("s.substring('a')", {"s": "abc"}, "substring() needs an integer argument, not the string 'a'"),
        ("s.startsWith(missing)", {"s": "abc"}, "startsWith() needs a text argument, not null"),
        ("items.toUpperCase()", {"items": []}, "toUpperCase() is not a method of a list"),
        ("1 / x", {"x": 0}, "division by zero"),
        ("1 % x", {"x": "0"}, "division by zero"),
        ("1.5 / x", {"x": 0}, "division by zero"),
        ("x - 1", {"x": "abc"}, "'-' needs numbers, not the string 'abc'"),
        ("x * 2", {"x": [1]}, "'*' needs numbers, not a list"),
        ("x < 1", {"x": [1]}, "cannot compare a list < the number 1"),
        ("x[0].name", {"x": ["abc"]}, "cannot read property 'name' of the string 'abc'"),
        ("x['a']", {"x": [1]}, "must be an integer"),
        ("n[0]", {"n": 5}, "cannot index the number 5"),
        ("size(n)", {"n": 5}, "size() needs a string, a list or a map"),
        ("x =~ n", {"x": "a", "n": 5}, "'=~' needs a regex, a list or a map"),
        ("x =~ pattern", {"x": "a", "pattern": "("}, "invalid regex '('"),
        ("x.split(pattern)", {"x": "a", "pattern": "["}, "invalid regex '['"),
        ("{k: 1}", {"k": [1]}, "a map key must be"),
        ("x =^ 'a'", {"x": [1]}, "'=^' needs text"),
    ],
)
def test_runtime_failures_are_record_errors(text: str, record: dict[str, Any], reason: str) -> None:
    assert reason in failure_of(text, record).message


def test_an_unanticipated_python_error_is_a_record_error() -> None:
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    failure = failure_of("x == y", {"x": deep, "y": deep[0]})
    assert "nested too deeply" in failure.message


# compile-time errors, with offsets -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("", 0, "empty expression"),
        ("   ", 0, "empty expression"),
        ("a eq", 4, "expected a value, found end of expression"),
        ("a eq 'b' ?", 10, "expected a value"),
        ("a ? 'b'", 7, "expected ':' of the ternary"),
        ("a ? 'b' 'c'", 8, "expected ':' of the ternary 'test ? then : otherwise', found 'c'"),
        ("(a eq 'b'", 9, "expected ')' to close '('"),
        ("a eq 'unterminated", 5, "unterminated string literal"),
        ("a == b == c", 7, "comparisons do not chain"),
        ("a < b lt c", 6, "comparisons do not chain"),
        ("x = 1", 2, "assignment is not supported"),
        ("x += 1", 2, "assignment is not supported"),
        ("a; b", 1, "only one expression is supported"),
        ("var x = 1", 0, "'var' is not supported: only expressions"),
        ("if (a) b", 0, "'if' is not supported"),
        ("new('java.util.Date')", 0, "'new' is not supported"),
        ("x -> x + 1", 2, "lambdas are not supported"),
        ("a & b", 2, "bitwise operators are not supported"),
        ("a | b", 2, "bitwise operators are not supported"),
        ("~a", 0, "bitwise operators are not supported"),
        ("a << 2", 2, "shift operators are not supported"),
        ("1 .. 3", 2, "ranges (a .. b) are not supported"),
        ("a === b", 2, "strict equality '===' is not supported"),
        ("x++", 1, "increment/decrement operators are not supported"),
        ("`hi ${x}`", 0, "template strings"),
        ("{1, 2}", 0, "set literals are not supported"),
        ("math:abs(x)", 4, "namespace functions"),
        ("foo(x)", 0, "unknown function 'foo()': the functions are empty() and size()"),
        ("s.toUpperCase(1)", 2, "toUpperCase() takes 0 argument(s), not 1"),
        ("s.substring()", 2, "substring() takes 1 or 2 argument(s), not 0"),
        ("s.getClass()", 2, "unsupported method 'getClass()'"),
        ("a eq 'b' ? s.__class__() : 1", 13, "unsupported method '__class__()'"),
        ("x =~ '(unclosed'", 5, "invalid regex '(unclosed'"),
        ("x.matches('[')", 10, "invalid regex '['"),
        ("x.", 2, "expected a property or method name after '.'"),
        ("12abc", 0, "malformed number"),
        ("09", 0, "malformed octal number"),
        ("a eq 'b' )", 9, "expected an operator or the end of the expression, found ')'"),
        ("a eq /* open", 5, "unterminated comment"),
        ("'it''s'", 4, "expected an operator or the end of the expression, found 's'"),
        ("a ¤ b", 2, "unexpected character '¤'"),
        ("2²", 0, "malformed number '2²'"),
        ("[1, 2", 5, "expected ']' to close the list"),
        ("{'a': 1", 7, "expected '}' to close the map"),
        ("x[0", 3, "expected ']' to close the index"),
        ("s.trim(", 7, "expected a value"),
    ],
)
def test_compile_errors_carry_an_offset(text: str, offset: int, message: str) -> None:
    error = error_of(text)
    assert message in error.message
    assert error.offset == offset
    assert f"(at offset {offset})" in str(error)


def test_comments_are_whitespace() -> None:
    assert ev("1 + /* two */ 2 // rest\n") == 3
    assert ev("## a comment\n'x'") == "x"


def test_deep_nesting_is_a_compile_error_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        compile_expression("(" * 5000 + "1" + ")" * 5000)


def test_parenthesised_comparisons_may_be_compared() -> None:
    assert ev("(1 == 1) == true") is True


def test_constants_are_folded_but_failures_stay_per_record() -> None:
    expression = compile_expression("x ? 1 / 0 : 'safe'")
    assert expression.evaluate({"x": False}) == "safe"
    with pytest.raises(RecordError, match="division by zero"):
        expression.evaluate({"x": True})


def test_the_package_never_evaluates_generated_source() -> None:
    package = Path(__file__).resolve().parents[2] / "dataflow" / "expressions"
    forbidden = re.compile(r"(?<![\w.])(eval|exec|compile)\(")
    for source in package.glob("*.py"):
        assert not forbidden.search(source.read_text()), source.name


@pytest.mark.parametrize(
    "text",
    [
        "s.replace('a', s)",
        "s.replaceAll('a', s)",
        "s.replaceAll('(a)', '" + "$1" * 200 + "')",  # 20 million characters
        "s.replace('a', s).concat(s)",
        "s.replace('a', 'bb').replace('b', s)",
        "(s + s).replace('a', s + s + s)",
    ],
)
def test_a_text_that_would_grow_past_the_limit_fails_the_record_before_it_is_built(text: str) -> None:
    with pytest.raises(RecordError, match=r"would make a text of up to [\d,]+ characters; the limit is 16,777,216"):
        ev(text, {"s": "a" * 100_000})


def test_growing_texts_under_the_limit_are_built() -> None:
    record = {"s": "a" * 2000}
    assert len(ev("s.replace('a', s)", record)) == 4_000_000
    assert ev("s.replaceAll('a', '$0$0')", record) == "a" * 4000
    assert ev("t.replace('', '-')", {"t": "abc"}) == "-a-b-c-"
