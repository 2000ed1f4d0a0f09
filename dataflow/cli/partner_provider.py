"""``PartnerProvider``: how ``--sandbox`` starts a partner's stand-in, makes demo accounts its members, points
the job at it and sums it up; the table of partners is ``partner_sandboxes``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dataflow.cli.sandbox_provider import Attached, example_config

DEMO_MEMBERS = 100
Connection = tuple[dict[str, str], dict[str, Any]]  # (environment, variables)


@dataclass(frozen=True)
class Member:
    """A Gigya demo account as the partner already knows it."""

    index: int
    uid: str
    email: str
    profile: dict[str, Any]
    opted_in: bool  # Gigya's data.subscribed, except every 7th member changed their mind in the partner

    def text(self, field: str) -> str:
        return str(self.profile.get(field) or "")


def demo_members(gigya: Any) -> Iterator[Member]:
    """The first generated accounts, but those the demo deleted from the site again."""
    for index in range(min(DEMO_MEMBERS, gigya.accounts.gen.count)):
        account = gigya.account(gigya.uid(index))
        if account is None:
            continue
        subscribed = str((account.get("data") or {}).get("subscribed")).lower() == "true"
        profile = account["profile"]
        yield Member(index, account["UID"], profile["email"], profile, subscribed != (index % 7 == 0))


@dataclass(frozen=True)
class PartnerProvider:
    name: str  # as the user reads it
    sandbox: str  # the stand-in's name in sandbox.partners.PARTNERS
    flows: str  # flows/<flows>/ holds its sample flows and customer.example.yaml
    types: tuple[str, ...]  # the component types it serves
    connect: Callable[[Any], Connection]
    summary: Callable[[Any], list[str]]
    seed: Callable[[Any, Member], None] | None = None  # makes one demo member the partner's

    @contextmanager
    def start(self, gigya: Any) -> Iterator[Attached]:
        from sandbox.partners import partner_class

        with partner_class(self.sandbox)(seed=1) as stand_in:
            for member in demo_members(gigya) if self.seed is not None else ():
                self.seed(stand_in, member)
            environ, variables = self.connect(stand_in)
            yield Attached(
                self.name,
                stand_in,
                environ,
                {**example_config(self.flows), **variables},
                lambda: self.summary(stand_in),
            )
