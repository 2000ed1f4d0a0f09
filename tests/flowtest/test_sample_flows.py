"""The shipped Silverpop flows' unit tests catch changes to what each flow does.

Each case below changes one thing in a copy of a flow, the way a consultant editing it might, and checks that
``dataflow test`` fails exactly the test cases that are about that thing (and passes the others). Readers,
writers and lookups are spliced out in flow tests, so for the flows that are only a reader and a writer
(likes, GM, signals, deletions) the change is a step put between them, or a writer param set to something
``dataflow validate`` rejects. A valid but different writer mapping (another column name, ``action: optOut``)
is beyond flow tests: tests/silverpop/test_flows.py runs those flows against the sandboxes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.flowtest.mutations import (
    Mutation,
    case_names,
    check,
    edit_script,
    failed_by_some,
    insert_after,
    set_param,
    swap_sources,
)

SILVERPOP = Path(__file__).resolve().parents[2] / "flows" / "silverpop"

ACCOUNT_ROW = "a contact row with each newsletter, when Gigya last changed it, and LastUpdated in UTC"
MISSING_FIELDS = "missing fields stay empty cells; a subscription the configuration does not name is not sent"
PHONES = "phones in E.164, read in the account's region; the mobile to MobilePhone, the next valid number to Phone"
SMS_CONSENT = "MobilePhone is sent only while SMS consent is granted; SmsOptIn says Yes or No"
OPT_OUT_WINS = "an opt-out newer than Gigya's last change unsubscribes; a later change in Gigya wins"
OPT_OUT_TIE = "a change in Gigya at the very second of the opt-out, or before it in local time, loses to the opt-out"
NOTHING_TO_CHANGE = "nothing is written when there is nothing to change"
ONLY_CARRIED = "only the newsletters the database carries are touched"
UNREADABLE_TIME = "an event whose time cannot be read goes down the error path, the others are still written"
NEW_SCORES = "new scores come back as numbers"
SAME_SCORES = "a contact whose scores Gigya has already is not written again"
EMPTY_AND_ZERO = "one changed score sends the contact's scores; an empty score is left out, zero is a score"
NOT_FROM_GIGYA = "a contact that did not come from Gigya (no GigyaUid) is skipped"
FAVORITE_ROWS = "one row per favorite of every kind, with its kind; a favorite without a category takes its kind"
NO_FAVORITES = "a contact whose favorites are all gone still arrives, with no rows, so its old rows are deleted"
OPTOUT_TEST = "isNaN(since) && since > optedOut"

MUTATIONS = [
    Mutation(
        "outbound-accounts",
        "LastUpdated in ISO order",
        set_param("date", lambda p: p["fields"][0].update(format="yyyy-MM-dd HH:mm:ss")),
        (ACCOUNT_ROW, MISSING_FIELDS),
    ),
    Mutation(
        "outbound-accounts",
        "LastUpdated in Berlin time",
        set_param("date", lambda p: p["fields"][0].update(timezone="Europe/Berlin")),
        (ACCOUNT_ROW, MISSING_FIELDS),
    ),
    Mutation(
        "outbound-accounts",
        "two newsletters' change times swapped",
        set_param("rename", swap_sources("NewsletterWeeklyChanged", "NewsletterOffersChanged")),
        (ACCOUNT_ROW,),
    ),
    Mutation(
        "outbound-accounts",
        "the subscriptions object sent along",
        set_param("remove", lambda p: p["fields"].remove("subscriptions")),
        (ACCOUNT_ROW, MISSING_FIELDS),
    ),
    Mutation(
        "outbound-accounts",
        "phones read without the account's region",
        set_param("phones", lambda p: p.pop("regionField")),
        (PHONES, SMS_CONSENT),
    ),
    Mutation(
        "outbound-accounts",
        "another default region",
        set_param("phones", lambda p: p.update(defaultRegion="GB")),
        (PHONES,),
    ),
    Mutation(
        "outbound-accounts",
        "MobilePhone ignores the phone types",
        set_param("phones", lambda p: p["targets"][0].pop("types")),
        (PHONES,),
    ),
    Mutation(
        "outbound-accounts",
        "MobilePhone sent without SMS consent",
        set_param("smsConsent", lambda p: p["fields"][1].update(expression="MobilePhone")),
        (SMS_CONSENT,),
    ),
    Mutation(
        "outbound-accounts",
        "SmsOptIn inverted",
        set_param(
            "smsConsent",
            lambda p: p["fields"][0].update(expression=p["fields"][0]["expression"][:-13] + "'No' : 'Yes'"),
        ),
        (PHONES, SMS_CONSENT, ACCOUNT_ROW, MISSING_FIELDS),
    ),
    Mutation(
        "inbound-optouts",
        "a change in Gigya at the second of the opt-out wins",
        edit_script("evaluate", OPTOUT_TEST, "isNaN(since) && since >= optedOut"),
        (OPT_OUT_TIE,),
    ),
    Mutation(
        "inbound-optouts",
        "Gigya's later change ignored",
        edit_script("evaluate", f"if (!{OPTOUT_TEST}) return;", ""),
        (OPT_OUT_WINS, NOTHING_TO_CHANGE),
    ),
    Mutation(
        "inbound-optouts",
        "Gigya's change time read without its offset",
        edit_script(
            "evaluate",
            "Date.parse(current.lastUpdatedSubscriptionState || '')",
            "Date.parse((current.lastUpdatedSubscriptionState || '').slice(0, 19) + 'Z')",
        ),
        (OPT_OUT_TIE,),
    ),
    Mutation(
        "inbound-optouts",
        "unsubscribed newsletters written again",
        edit_script("evaluate", "if (!current || current.isSubscribed !== true) return;", "if (!current) return;"),
        (NOTHING_TO_CHANGE,),
    ),
    Mutation(
        "inbound-optouts",
        "an unreadable event time skipped silently",
        edit_script(
            "evaluate", "throw new Error('unreadable Event Timestamp: ' + record['Event Timestamp'])", "return null"
        ),
        (UNREADABLE_TIME,),
    ),
    Mutation(
        "inbound-optouts",
        "a newsletter left out of the database's list",
        set_param("newsletters", lambda p: p["fields"][0].update(value="newsletterWeekly,newsletterOffers")),
        (OPT_OUT_WINS,),
    ),
    Mutation(
        "inbound-optouts",
        "a newsletter the database does not carry added",
        set_param("newsletters", lambda p: p["fields"][0].update(value=p["fields"][0]["value"] + ",newsletterApp")),
        (ONLY_CARRIED,),
    ),
    Mutation(
        "inbound-scoring",
        "unchanged scores written again",
        edit_script("evaluate", "if (current[key] !== scores[key]) changed = true;", "changed = true;"),
        (SAME_SCORES,),
    ),
    Mutation(
        "inbound-scoring",
        "scores kept as text",
        edit_script("evaluate", "scores[key] = isNaN(number) ? value : number;", "scores[key] = value;"),
        (NEW_SCORES, SAME_SCORES, EMPTY_AND_ZERO),
    ),
    Mutation(
        "inbound-scoring",
        "a zero score taken for none",
        edit_script("evaluate", "value === null || value === undefined || value === ''", "!Number(value)"),
        (EMPTY_AND_ZERO,),
    ),
    Mutation(
        "inbound-scoring",
        "contacts without a GigyaUid written",
        edit_script("evaluate", "if (!record.GigyaUid) return null;", ""),
        (NOT_FROM_GIGYA,),
    ),
    Mutation(
        "outbound-favorites",
        "no category default",
        edit_script("flatten", "category: item.category || kind", "category: item.category"),
        (FAVORITE_ROWS,),
    ),
    Mutation(
        "outbound-favorites",
        "contacts without favorites dropped",
        edit_script(
            "flatten",
            "return {UID: record.UID, rows: rows};",
            "return rows.length ? {UID: record.UID, rows: rows} : null;",
        ),
        (NO_FAVORITES,),
    ),
    Mutation(
        "outbound-likes",
        "one record per like (the flow's old shape)",
        insert_after(
            "account",
            {
                "id": "extract",
                "type": "field.array.extract",
                "params": {"field": "profile.likes", "propagationFields": ["UID"]},
            },
        ),
        (
            "each contact reaches the table writer whole, with all its likes",
            "a contact whose likes were all removed still arrives, so its old rows are deleted",
        ),
    ),
    Mutation(
        "outbound-likes",
        "the UID column no longer filled (the table writer's params, checked as validate checks them)",
        set_param("likesTable", lambda p: p["fieldMapping"].pop(0)),
        (
            "each contact reaches the table writer whole, with all its likes",
            "a contact whose likes were all removed still arrives, so its old rows are deleted",
        ),
    ),
    Mutation(
        "outbound-gm",
        "one record per achievement",
        insert_after(
            "gm",
            {
                "id": "extract",
                "type": "field.array.extract",
                "params": {"field": "achievements", "propagationFields": ["UID"]},
            },
        ),
        (
            "each contact reaches the table writer with all its achievements",
            "a contact with no achievements left still arrives, so its old rows are deleted",
        ),
    ),
    Mutation(
        "outbound-signals",
        "the signal's data flattened before the writer",
        insert_after("signals", {"id": "flatten", "type": "field.flatten", "params": {"fields": ["data"]}}),
        ("every signal object reaches the table writer as read, one record each",),
    ),
    Mutation(
        "outbound-deletions",
        "the UID moved from where the remover reads it",
        insert_after(
            "audit",
            {
                "id": "uid",
                "type": "field.rename",
                "params": {"fields": [{"sourceField": "params.UID", "targetField": "UID"}]},
            },
        ),
        ("each deletion in the audit log reaches the remover with the UID in params.UID",),
    ),
    Mutation(
        "outbound-deletions",
        "an action the remover does not know",
        set_param("remove", lambda p: p.update(action="delete")),
        ("each deletion in the audit log reaches the remover with the UID in params.UID",),
    ),
]


def test_every_shipped_silverpop_flow_and_test_case_has_a_mutation_here() -> None:
    flows = {path.stem for path in SILVERPOP.glob("*.json")}
    assert flows == {mutation.flow for mutation in MUTATIONS}
    assert case_names(SILVERPOP) == failed_by_some(MUTATIONS)  # each case can fail


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: f"{m.flow}: {m.what}")
def test_a_changed_flow_fails_the_cases_about_the_change(
    mutation: Mutation, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    check(mutation, SILVERPOP, SILVERPOP, tmp_path, capsys)
