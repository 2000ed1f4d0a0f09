"""The lookups against the sandbox: matching back, aliases, behaviours per match count, Game Mechanics."""

from __future__ import annotations

from typing import Any

from dataflow.testing import drive
from sandbox.gigya import GigyaSandbox
from steps.gigya import query
from steps.gigya.lookup import LookupAccount
from steps.gigya.lookup_query import LookupField, lookup_condition


def by_uid(**params: Any) -> dict[str, Any]:
    return {"lookupFields": [{"sourceField": "uid", "gigyaField": "UID"}], **params}


def test_lookup_by_uid_with_an_alias_in_chunks(build: Any, sandbox: GigyaSandbox) -> None:
    records = [{"uid": sandbox.uid(i), "n": i} for i in range(25)] + [{"uid": "missing", "n": 99}, {"n": 100}]
    params = by_uid(select="UID as _UID, profile.email", isCaseSensitive=True, mismatchBehavior="process")
    lookup = build("datasource.lookup.gigya.account", {**params, "batchSize": 10, "maxConcurrency": 2})
    emitted, rejected = drive(lookup, [records])
    assert rejected == [] and [r["n"] for r in emitted] == [*range(25), 99, 100]
    for record in emitted[:25]:
        assert record["_UID"] == record["uid"] and "UID" not in record  # UID was fetched only to match on
        assert record["profile"]["email"] == sandbox.account(record["uid"])["profile"]["email"]
    assert "_UID" not in emitted[25] and "_UID" not in emitted[26]
    assert lookup.counters.as_dict() == {"in": 27, "out": 27, "errors": 0, "filtered": 0, "added": 0}


def test_case_insensitive_email_lookup_over_two_fields(build: Any, sandbox: GigyaSandbox) -> None:
    account = sandbox.account(sandbox.uid(10))
    email = account["profile"]["email"]
    params = {
        "select": "UID, profile.firstName",
        "lookupFields": [
            {"sourceField": "EMAIL", "gigyaField": "loginIDs.emails"},
            {"sourceField": "EMAIL", "gigyaField": "profile.email"},
        ],
        "lookupFieldsOperator": "OR",
        "isCaseSensitive": False,
        "mismatchBehavior": "error",
    }
    records = [{"EMAIL": email.upper()}, {"EMAIL": "nobody@example.org"}]
    emitted, rejected = drive(build("datasource.lookup.gigya.account", params), [records])
    first_name = account["profile"]["firstName"]
    # loginIDs.emails and profile.email were fetched only to match on: they are not merged
    assert emitted == [{"EMAIL": email.upper(), "UID": account["UID"], "profile": {"firstName": first_name}}]
    ((missing, message, details),) = rejected
    assert missing == {"EMAIL": "nobody@example.org"} and details == {"matches": 0}
    assert message == "no account matches (loginIDs.emails='nobody@example.org', profile.email='nobody@example.org')"


def test_and_operator_needs_every_field(build: Any, sandbox: GigyaSandbox) -> None:
    account = sandbox.account(sandbox.uid(12))
    params = {
        "select": "UID",
        "lookupFields": [
            {"sourceField": "first", "gigyaField": "profile.firstName"},
            {"sourceField": "last", "gigyaField": "profile.lastName"},
        ],
        "lookupFieldsOperator": "AND",
        "isCaseSensitive": True,
        "mismatchBehavior": "process",
        "multiMatchBehavior": "process",
    }
    good = {"first": account["profile"]["firstName"], "last": account["profile"]["lastName"]}
    wrong = {"first": account["profile"]["firstName"], "last": "Nobody-Has-This-Name"}
    emitted, _ = drive(build("datasource.lookup.gigya.account", params), [[dict(good), dict(wrong)]])
    assert emitted[0]["UID"] == account["UID"] and "UID" not in emitted[1]


def test_multi_matches_error_first_or_separate(build: Any, sandbox: GigyaSandbox) -> None:
    for uid in (sandbox.uid(20), sandbox.uid(21)):
        sandbox.update_account(uid, {"data": {"team": "blue"}})
    record = {"team": "blue", "profile": {"firstName": "Source"}}
    base = {"select": "UID, profile.firstName", "lookupFields": [{"sourceField": "team", "gigyaField": "data.team"}]}
    emitted, rejected = drive(build("datasource.lookup.gigya.account", base), [[dict(record)]])
    assert emitted == [] and rejected[0][1].startswith("2 accounts match") and rejected[0][2] == {"matches": 2}
    separate = {
        **base,
        "multiMatchBehavior": "process",
        "separateMultiMatches": True,
        "handleFieldConflicts": "take_source",
    }
    lookup = build("datasource.lookup.gigya.account", separate)
    emitted, rejected = drive(lookup, [[dict(record)]])
    assert sorted(r["UID"] for r in emitted) == sorted([sandbox.uid(20), sandbox.uid(21)])
    assert all(r["profile"]["firstName"] == "Source" for r in emitted)  # take_source kept the record's value
    assert lookup.counters.as_dict()["added"] == 1
    first = {**base, "multiMatchBehavior": "process"}
    emitted, _ = drive(build("datasource.lookup.gigya.account", first), [[dict(record)]])
    assert len(emitted) == 1 and emitted[0]["profile"]["firstName"] != "Source"  # take_lookup by default


def test_match_behavior_error_sends_existing_accounts_down_the_error_path(build: Any, sandbox: GigyaSandbox) -> None:
    params = by_uid(matchBehavior="error", mismatchBehavior="process")
    emitted, rejected = drive(
        build("datasource.lookup.gigya.account", params), [[{"uid": sandbox.uid(1)}, {"uid": "x"}]]
    )
    assert emitted == [{"uid": "x"}] and rejected[0][0] == {"uid": sandbox.uid(1)}


def test_record_values_reach_the_query_only_as_escaped_literals() -> None:
    field = LookupField(lambda record: record["v"], "profile.email")
    hostile = 'a" OR UID != "x'
    condition = lookup_condition([field], [[[hostile]], [["b.c*d@e"]]], "OR", case_sensitive=False)
    assert condition == (
        "profile.email regex ('[aA]\\\" [oO][rR] [uU][iI][dD] != \\\"[xX]') OR "
        "profile.email regex ('[bB]\\.[cC]\\*[dD]\\@[eE]')"
    )
    exact = lookup_condition([field], [[[hostile]], [[12]]], "OR", case_sensitive=True)
    assert exact == 'profile.email in ("a\\" OR UID != \\"x", 12)'
    assert query.literal(True) == "true"
    problems = list(LookupAccount.check_params(by_uid(select="UID as", lookupFields=[{"gigyaField": "a b"}])))
    assert [p.path for p in problems] == [("select",), ("lookupFields", 0, "gigyaField")]


def test_hostile_values_match_nothing_in_the_sandbox(build: Any, sandbox: GigyaSandbox) -> None:
    params = by_uid(mismatchBehavior="process", isCaseSensitive=False)
    records = [{"uid": '" OR UID != "'}, {"uid": "') OR (UID regex ('.*"}]
    emitted, rejected = drive(build("datasource.lookup.gigya.account", params), [records])
    assert rejected == [] and all("UID" not in r for r in emitted)


def test_game_mechanics_adds_achievements(build: Any, sandbox: GigyaSandbox) -> None:
    uid = sandbox.uid(30)
    sandbox.set_achievements(uid, [{"challengeID": "Buyer", "level": 2}])
    lookup = build("datasource.lookup.gigya.gm", {"includeChallenges": "*", "maxConcurrency": 3})
    emitted, rejected = drive(lookup, [[{"UID": uid}, {"UID": sandbox.uid(31)}, {"name": "no uid"}]])
    assert emitted[0]["achievements"] == [{"challengeID": "Buyer", "level": 2}]
    assert isinstance(emitted[1]["achievements"], list)
    assert [message for _, message, _ in rejected] == ["the record has no UID to look up"]
