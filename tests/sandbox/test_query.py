"""The query grammar of gigya.md §4.1, construct by construct, on small documents and through the API."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pytest

from sandbox.gigya import GigyaSandbox
from sandbox.gigya.query import QueryError, compile_query
from sandbox.gigya.results import execute
from sandbox.gigya.store import DocRow
from tests.sandbox.client import Client

DOCS: list[dict[str, Any]] = [
    {
        "UID": "a",
        "n": 5,
        "flag": True,
        "profile": {
            "firstName": "Anna",
            "email": "anna.smith@example.com",
            "likes": [{"category": "Movie"}, {"category": "Book"}],
        },
        "created": "2015-03-01T10:00:00.000Z",
        "createdTimestamp": 1425204000000,
        "data": {"tier": "gold", "tags": ["x", "y"]},
    },
    {
        "UID": "b",
        "n": 10,
        "flag": False,
        "profile": {"firstName": "Ben", "email": "ben@example.org", "likes": [{"category": "Musician/band"}]},
        "created": "2019-07-01T00:00:00.000Z",
        "createdTimestamp": 1561939200000,
        "data": {"tier": "silver"},
    },
    {
        "UID": "c",
        "n": 7,
        "profile": {"firstName": "Chloé", "email": "chloe@mail.example.com"},
        "created": "2021-01-01T00:00:00.000Z",
        "createdTimestamp": 1609459200000,
        "data": {"tier": "gold", "note": ""},
    },
    {"UID": "d", "flag": True, "profile": {"firstName": "anna-lena"}, "data": {}},
]


class ListSource:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    def handles(self) -> list[int]:
        return list(range(len(self.docs)))

    def row(self, handle: int) -> DocRow:
        return DocRow(self.docs[handle])

    def document(self, handle: int) -> dict[str, Any]:
        return self.docs[handle]

    def cache_key(self) -> Hashable:
        return id(self)


def run(text: str, docs: list[dict[str, Any]] = DOCS) -> list[Any]:
    compiled = compile_query(text)
    result = execute(compiled, ListSource(docs))
    if result.rows is not None:
        return result.rows
    return [compiled.project(docs[handle]) for handle in result.handles]


def uids(where: str) -> list[str]:
    return [doc["UID"] for doc in run(f"SELECT UID FROM accounts WHERE {where}")]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("n = 5", ["a"]),
        ("n != 5", ["b", "c", "d"]),  # a missing field is "not equal"
        ("n < 7", ["a"]),
        ("n <= 7", ["a", "c"]),
        ("n > 7", ["b"]),
        ("n >= 7", ["b", "c"]),
        ("n <> 5", ["b", "c", "d"]),
        ("flag = true", ["a", "d"]),
        ("flag = false", ["b"]),
        ('profile.firstName = "Anna"', ["a"]),
        ("profile.firstName = 'Anna'", ["a"]),
        ('profile.firstName = "anna"', []),  # = is case-sensitive
        ('n = "5"', []),  # types do not mix
        ("n = 5 AND flag = true", ["a"]),
        ("n = 5 OR n = 10", ["a", "b"]),
        ("NOT n = 5", ["b", "c", "d"]),
        ("n = 5 OR n = 10 AND flag = true", ["a"]),  # AND binds tighter
        ("(n = 5 OR n = 10) AND flag = false", ["b"]),
        ("NOT (n = 5 OR n = 10)", ["c", "d"]),
        ('data.tier in ("gold", "platinum")', ["a", "c"]),
        ('data.tier not in ("gold")', ["b", "d"]),
        ("n in (5, 10)", ["a", "b"]),
        ("n is null", ["d"]),
        ("n is not null", ["a", "b", "c"]),
        ("data.note is null", ["a", "b", "d"]),  # "" is a value, not null
        ("n = null", ["d"]),
        ('profile.firstName contains "ANNA"', ["a", "d"]),  # case-insensitive substring
        ('profile.firstName not contains "anna"', ["b", "c"]),
        ('profile.email contains "example"', ["a", "b", "c"]),  # encrypted field: whole words
        ('profile.email contains "exam"', []),
        ("profile.firstName regex 'A.*'", ["a"]),  # anchored and case-sensitive
        ("profile.firstName regex 'nna'", []),
        ("profile.firstName regex ('[a-z]+-lena')", ["d"]),
        ('profile.email regex ".*@example\\.(com|org)"', ["a", "b"]),
        ('profile.likes.category = "Book"', ["a"]),  # any element of an array path
        ('data.tags = "y"', ["a"]),
        ('created >= "2019-07-01"', ["b", "c"]),  # ISO strings compare as dates
        ("created > 1561939200000", ["c"]),  # a number against an ISO field is epoch ms
        ('createdTimestamp < "2016-01-01"', ["a"]),  # an ISO literal against a ms field
    ],
)
def test_where(where: str, expected: list[str]) -> None:
    assert uids(where) == expected


def test_keywords_are_case_insensitive_and_fields_are_not() -> None:
    assert run('select UID from accounts where N = 5 and profile.firstName = "Anna"') == []
    assert run('select UID from accounts where n = 5 AnD profile.firstName = "Anna" limit 1') == [{"UID": "a"}]


def test_select_paths_subtrees_aliases_and_star() -> None:
    assert run("SELECT UID, profile.firstName FROM accounts WHERE n = 5") == [
        {"UID": "a", "profile": {"firstName": "Anna"}}
    ]
    assert run("SELECT data FROM accounts WHERE n = 10") == [{"data": {"tier": "silver"}}]
    assert run("SELECT profile.firstName AS name, UID AS id FROM accounts WHERE n = 5") == [
        {"profile": {"name": "Anna"}, "id": "a"}
    ]
    assert run("SELECT * FROM accounts WHERE n = 7") == [DOCS[2]]
    assert run("SELECT profile.likes.category FROM accounts WHERE n = 5") == [
        {"profile": {"likes": [{"category": "Movie"}, {"category": "Book"}]}}
    ]
    assert run("SELECT missing.field FROM accounts WHERE n = 5") == [{}]


def test_a_missing_comma_between_selected_paths_is_tolerated() -> None:
    """tap-gigya's query has ``…lastUpdatedSubscriptionState subscriptions.x…`` with no comma."""
    assert run("SELECT UID profile.firstName FROM accounts WHERE n = 5") == [
        {"UID": "a", "profile": {"firstName": "Anna"}}
    ]


def test_order_by_start_and_limit() -> None:
    assert [d["UID"] for d in run("SELECT UID FROM accounts ORDER BY n")] == ["a", "c", "b", "d"]
    assert [d["UID"] for d in run("SELECT UID FROM accounts ORDER BY n DESC")] == ["b", "c", "a", "d"]
    ordered = run("SELECT UID FROM accounts ORDER BY data.tier ASC, n DESC")
    assert [d["UID"] for d in ordered] == ["c", "a", "b", "d"]  # missing values go last either way
    compiled = compile_query("SELECT UID FROM accounts ORDER BY n START 1 LIMIT 2")
    assert (compiled.query.start, compiled.query.limit) == (1, 2)


def test_count_aggregates_and_group_by() -> None:
    assert run("SELECT count(*) FROM accounts") == [{"count(*)": 4}]
    assert run("SELECT count(*) FROM accounts WHERE flag = true") == [{"count(*)": 2}]
    assert run("SELECT sum(n), min(n), max(n), avg(n) AS mean FROM accounts") == [
        {"sum(n)": 22, "min(n)": 5, "max(n)": 10, "mean": 22 / 3}
    ]
    assert sorted(run("SELECT count(*) FROM accounts GROUP BY data.tier"), key=str) == sorted(
        [
            {"data.tier": "gold", "count(*)": 2},
            {"data.tier": "silver", "count(*)": 1},
            {"data.tier": None, "count(*)": 1},
        ],
        key=str,
    )


@pytest.mark.parametrize(
    "text",
    [
        "SELECT UID",  # no FROM
        "SELECT UID FROM accounts LIMIT 5 WHERE n = 1",  # clause order
        "SELECT UID FROM accounts ORDER BY n WHERE n = 1",
        "SELECT UID FROM accounts START 5 ORDER BY n",
        "SELECT UID FROM accounts WHERE n = 1 HAVING n",
        "SELECT UID FROM accounts WHERE",
        "SELECT UID FROM accounts WHERE n ~ 1",
        "SELECT UID FROM accounts WHERE (n = 1",
        "SELECT UID FROM accounts WHERE n in ()",
        "SELECT UID FROM accounts WHERE n regex '('",
        "SELECT UID FROM accounts WHERE n contains 5",
        "SELECT UID FROM accounts LIMIT -1",
        "SELECT UID, count(*) FROM accounts",
        "SELECT UID FROM accounts GROUP BY UID",
        "SELECT UID FROM accounts FILTER n = 1",
        "SELECT sum(*) FROM accounts",
        'SELECT UID FROM accounts WHERE n = "unterminated',
        "DELETE FROM accounts",
    ],
)
def test_malformed_queries_are_refused(text: str) -> None:
    with pytest.raises(QueryError):
        compile_query(text)


def test_through_the_api(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    everyone = gigya_client.ok("accounts.search", query="SELECT count(*) FROM accounts")
    assert everyone["results"] == [{"count(*)": 200}] and everyone["totalCount"] == 200
    default = gigya_client.ok("accounts.search", query="SELECT UID FROM accounts")
    assert default["objectsCount"] == 200  # fewer than the default LIMIT of 300
    women = gigya_client.ok("accounts.search", query='SELECT UID FROM accounts WHERE profile.gender = "f" LIMIT 1000')
    expected = [
        uid
        for i in range(200)
        if (doc := gigya_sandbox.account(uid := gigya_sandbox.uid(i))) and doc["profile"]["gender"] == "f"
    ]
    assert [r["UID"] for r in women["results"]] == expected
    too_many = gigya_client.call("accounts.search", query="SELECT UID FROM accounts LIMIT 10001")
    assert too_many["errorCode"] == 400006
    bad = gigya_client.call("accounts.search", query="SELECT UID FROM accounts WHERE")
    assert bad["errorCode"] == 400006 and "Invalid query" in bad["errorDetails"]
    wrong_source = gigya_client.call("accounts.search", query="SELECT UID FROM people")
    assert wrong_source["errorCode"] == 400006
    page = gigya_client.ok(
        "accounts.search", query="SELECT UID FROM accounts ORDER BY createdTimestamp DESC START 10 LIMIT 5"
    )
    all_desc = gigya_client.ok(
        "accounts.search", query="SELECT UID FROM accounts ORDER BY createdTimestamp DESC LIMIT 15"
    )
    assert page["results"] == all_desc["results"][10:15] and "nextCursorId" not in page


def test_the_default_limit_is_300(sandbox_factory: Any) -> None:
    client = Client.of(sandbox_factory(accounts=1032).credentials)
    body = client.ok("accounts.search", query="SELECT UID FROM accounts")
    assert (body["objectsCount"], body["totalCount"]) == (300, 1032)


def test_each_distinct_query_is_compiled_once(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    search = gigya_sandbox.site.search
    before = search.compilations
    for _ in range(5):
        gigya_client.ok("accounts.search", query="SELECT UID FROM accounts WHERE data.subscribed = 'true' LIMIT 3")
    assert search.compilations == before + 1


def test_fast_fields_and_generated_documents_agree(gigya_sandbox: GigyaSandbox, gigya_client: Client) -> None:
    """Queries on fast fields (computed from the index) and on others (generated account) match the documents."""
    for where in (
        'data.subscribed = "true"',
        'profile.country = "Germany"',
        "lastUpdatedTimestamp > 1600000000000",
        "subscriptions.newsletterOffers.email.isSubscribed = true",
        'profile.likes.category = "Movie"',
        'data.loyaltyTier in ("gold", "platinum") AND NOT isVerified = true',
    ):
        body = gigya_client.ok("accounts.search", query=f"SELECT * FROM accounts WHERE {where} LIMIT 1000")
        compiled = compile_query(f"SELECT * FROM accounts WHERE {where}")
        docs = [gigya_sandbox.account(gigya_sandbox.uid(i)) for i in range(200)]
        assert compiled.predicate is not None
        expected = [doc["UID"] for doc in docs if doc and compiled.predicate(DocRow(doc))]
        assert [r["UID"] for r in body["results"]] == expected, where
        assert 0 < len(expected) < 200, where
