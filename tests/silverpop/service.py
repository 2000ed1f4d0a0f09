"""The Silverpop stand-in for suites that run every component's documented examples (the conformance suite).

Components with ``needs_service = "silverpop"`` get their example params pointed at a sandbox through their own
connection params (``apiUrl``, SFTP ``host``/``port``/credentials and the host key), and their list and table ids
replaced by the sandbox's:

    @pytest.fixture(scope="module")
    def silverpop_service():
        from tests.silverpop.service import running

        with running() as stand_in:
            yield stand_in

``example_params(example, sample_file=None)`` answers with an **empty** org (a reader exports nothing) and,
given a ``sample_file``, with a **populated** one: contacts ``u1`` and ``u2`` (the suite's sample records) in
the database, and relational tables keyed by the UID alone, so that the suite's sample records (a UID and an
email, nothing else) are complete rows for every table example.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from sandbox.silverpop import SilverpopConfig, SilverpopSandbox, TableSpec
from sandbox.silverpop.clock import Clock
from sandbox.silverpop.seed import DEFAULT_TABLES
from steps.silverpop.client import SilverpopClient
from steps.silverpop.settings import resolve
from tests.silverpop.conftest import DATABASES, connection, upsert

# Every default table, keyed by its first column (the UID) only.
UID_KEYED_TABLES = tuple(
    TableSpec(spec.name, tuple((name, word, index == 0) for index, (name, word, _) in enumerate(spec.columns)))
    for spec in DEFAULT_TABLES
)


class SilverpopStandIn:
    def __init__(self, empty: SilverpopSandbox, populated: SilverpopSandbox) -> None:
        self.empty = empty
        self.populated = populated

    def example_params(self, example: dict[str, Any], sample_file: str | None = None) -> dict[str, Any]:
        sandbox = self.empty if sample_file is None else self.populated
        params = {key: value for key, value in example.items() if key not in ("podNumber", "username", "password")}
        params.update(connection(sandbox, oauth="username" not in example))
        master = sandbox.lists["Gigya Master"]
        for key in ("listId", "joinListId"):
            if key in params:
                params[key] = master
        if "tableId" in params:
            params["tableId"] = sandbox.tables["Likes"]
        return params


def _sandbox(contacts: bool) -> SilverpopSandbox:
    config = SilverpopConfig(
        contacts=0, databases=DATABASES, tables=UID_KEYED_TABLES, job_waiting_s=0.02, job_running_s=0.02
    )
    sandbox = SilverpopSandbox(config, clock=Clock(), tick_s=0.01).start()
    if contacts:
        settings = resolve({**connection(sandbox), "listId": 0})
        client = SilverpopClient(settings)
        for uid, email in (("u1", "a@example.com"), ("u2", "b@example.com")):
            upsert(client, sandbox.lists["Gigya Master"], GigyaUid=uid, EMAIL=email, Subscribed="Yes")
        client.close()
    return sandbox


@contextmanager
def running() -> Iterator[SilverpopStandIn]:
    with ExitStack() as stack:
        empty = stack.enter_context(_sandbox(contacts=False))
        populated = stack.enter_context(_sandbox(contacts=True))
        yield SilverpopStandIn(empty, populated)
