"""The Silverpop integration kit: a customer's configuration -> flows, table headers and a set-up checklist.

``dataflow init silverpop`` writes what ``outputs`` returns; ``dataflow sandbox silverpop`` and ``run --sandbox``
start the Silverpop sandbox with the same layout (``layout.py``), so the flows run against it unchanged.
"""

from __future__ import annotations

from dataflow import jsonio
from dataflow.cli.silverpop.checklist import files
from dataflow.cli.silverpop.config import ConfigError, CustomerConfig, load
from dataflow.cli.silverpop.flows import customer_flows

__all__ = ["ConfigError", "CustomerConfig", "load", "outputs"]


def outputs(config: CustomerConfig) -> dict[str, str]:
    """Relative path -> text of everything ``init`` writes for this configuration."""
    flows = customer_flows(config)
    written = {name: jsonio.dumps_pretty(document) + "\n" for name, document in flows.items()}
    written.update(files(config, list(flows)))
    return written
