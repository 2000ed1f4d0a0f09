"""Dotted paths over nested records, with literal dotted keys kept addressable."""

from __future__ import annotations

import pytest

from dataflow.errors import RecordError
from dataflow.fieldpath import MISSING, clone, compile_getter, compile_popper, compile_setter


def test_get_nested_literal_and_missing() -> None:
    record = {"profile": {"email": "a@x", "a.b": 1}, "profile.firstName": "Ann", "n": None}
    assert compile_getter("profile.email")(record) == "a@x"
    assert compile_getter("profile.firstName")(record) == "Ann"
    assert compile_getter("profile.a.b")(record) == 1
    assert compile_getter("n")(record) is None
    assert compile_getter("profile.phone")(record) is MISSING
    assert compile_getter("n.x")(record) is MISSING
    assert compile_getter("'profile.firstName'")(record) == "Ann"


def test_set_creates_nesting_or_keeps_literal_keys() -> None:
    record: dict = {"profile.email": "old"}
    compile_setter("profile.email")(record, "new")
    assert record == {"profile.email": "new"}
    compile_setter("data.subscribed")(record, True)
    assert record == {"profile.email": "new", "data": {"subscribed": True}}
    compile_setter("'data.flat'")(record, 1)
    assert record["data.flat"] == 1
    with pytest.raises(RecordError, match=r"'profile\.email' holds a str"):
        compile_setter("profile.email.x")({"profile": {"email": "s"}}, 1)


def test_pop_prefers_literal_then_nested() -> None:
    record = {"profile": {"email": "a"}, "profile.email": "b"}
    assert compile_popper("profile.email")(record) == "b"
    assert compile_popper("profile.email")(record) == "a"
    assert compile_popper("profile.email")(record) is MISSING
    assert record == {"profile": {}}


def test_clone_is_deep() -> None:
    original = {"a": [{"b": 1}], "c": {"d": [1, 2]}}
    copy = clone(original)
    copy["a"][0]["b"] = 2
    copy["c"]["d"].append(3)
    assert original == {"a": [{"b": 1}], "c": {"d": [1, 2]}}
