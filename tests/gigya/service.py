"""The Gigya stand-in for suites that run every component's documented examples (the conformance suite).

Components with ``needs_service = "gigya"`` get their example params pointed at a sandbox through the step's own
connection params (``apiKey``, ``userKey``, ``secret``, ``baseUrl``), so no job environment is needed:

    @pytest.fixture(scope="module")
    def gigya_service():
        from tests.gigya.service import running

        with running() as stand_in:
            yield stand_in

``example_params(example, sample_file=None)`` answers with an **empty** site (every reader reads nothing) and,
given a ``sample_file``, with a **populated** one: accounts ``u1`` and ``u2`` (the suite's sample records), Data
Store objects of type ``orders``, and an ``accounts.deleteAccount`` row in the audit log, so every example of
every Gigya component reads, writes or looks up something.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from sandbox.gigya import GigyaSandbox

FAST = {"retryBackoffMs": 1, "maxRetries": 3}


class GigyaStandIn:
    def __init__(self, empty: GigyaSandbox, populated: GigyaSandbox) -> None:
        self.empty = empty
        self.populated = populated

    def example_params(self, example: dict[str, Any], sample_file: str | None = None) -> dict[str, Any]:
        site = self.empty if sample_file is None else self.populated
        credentials = site.credentials
        connection = {
            "apiKey": credentials["apiKey"],
            "userKey": credentials["userKey"],
            "secret": credentials["secret"],
            "baseUrl": credentials["url"],
        }
        return {**example, **connection, **FAST}


def populate(site: GigyaSandbox) -> None:
    for uid, email in (("u1", "a@example.com"), ("u2", "b@example.com")):
        site.put_account({"UID": uid, "profile": {"email": email}, "data": {"subscribed": "true"}})
        site.call("ds.store", type="orders", oid=f"order-{uid}", UID=uid, data={"total": 10})
    doomed = site.put_account({"UID": "u-deleted", "profile": {"email": "gone@example.com"}})
    site.call("accounts.deleteAccount", UID=doomed)


@contextmanager
def running() -> Iterator[GigyaStandIn]:
    with ExitStack() as stack:
        empty = stack.enter_context(GigyaSandbox(accounts=0, seed=31))
        populated = stack.enter_context(GigyaSandbox(accounts=0, seed=32))
        populate(populated)
        yield GigyaStandIn(empty, populated)
