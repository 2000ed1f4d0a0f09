"""The Gigya <-> Silverpop flows of one customer, built from its configuration and layout.

Which flows: the accounts outbound, the opt-outs inbound and the deletions outbound always; one outbound per
relational table the customer has (likes, favorites, game mechanics, signals); the scoring inbound when scoring
is on. Each is an ordinary IdentitySync dataflow document (validated before it is written), so a customer's copy
can be read, changed and stored like any other flow.
"""

from __future__ import annotations

from dataflow.cli.silverpop.accounts_flow import outbound_accounts
from dataflow.cli.silverpop.config import CustomerConfig
from dataflow.cli.silverpop.documents import Document
from dataflow.cli.silverpop.sync_flows import inbound_optouts, inbound_scoring, outbound_deletions
from dataflow.cli.silverpop.table_flows import outbound_favorites, outbound_gm, outbound_likes, outbound_signals

TABLE_FLOWS = {
    "likes": ("outbound-likes.json", outbound_likes),
    "favorites": ("outbound-favorites.json", outbound_favorites),
    "gm": ("outbound-gm.json", outbound_gm),
    "signals": ("outbound-signals.json", outbound_signals),
}


def customer_flows(config: CustomerConfig) -> dict[str, Document]:
    """File name -> flow document, for every flow this customer's configuration calls for."""
    found = {
        "outbound-accounts.json": outbound_accounts(config),
        "outbound-deletions.json": outbound_deletions(config),
        "inbound-optouts.json": inbound_optouts(config),
    }
    for kind in config.tables:
        name, build = TABLE_FLOWS[kind]
        found[name] = build(config)
    if config.sync_scoring:
        found["inbound-scoring.json"] = inbound_scoring(config)
    return dict(sorted(found.items()))
