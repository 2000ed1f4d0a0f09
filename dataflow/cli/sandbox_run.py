"""``dataflow run FLOW --sandbox``: both sandboxes in-process with demo data, the job's connections pointed at them.

Only the CLI starts a sandbox (the engine never imports one). The job gets the sandboxes' connection settings
through its environment (``GIGYA_*``, ``SILVERPOP_API_URL``/``_SFTP_HOST``/``_SFTP_PORT``, the OAuth secrets that
the sample configuration names as ``${env:…}``, and a known_hosts file pinning the sandbox's SFTP host key), and
the sample flows' ``{{variables}}`` from the shipped example configuration with the sandbox's ids. Sandbox runs
keep their own state under ``$DATAFLOW_HOME/sandbox`` so they never move a real flow's watermark.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dataflow.cli.sandbox_storage import Stores, start_stores
from dataflow.resources import flows_dir

DEMO_ACCOUNTS = 1000
DEMO_CONTACTS = 100  # contacts already in Silverpop, so the inbound flows have something to bring back
NEWSLETTERS = ("Weekly", "Offers", "Product")
EXAMPLE_CONFIG = ("silverpop", "customer.example.yaml")


@dataclass
class Demo:
    environ: dict[str, str]
    variables: dict[str, Any]
    gigya: Any
    silverpop: Any
    stores: Stores = field(default_factory=Stores)

    def summary(self) -> list[str]:
        """What the Silverpop sandbox (and any file store started) holds after the run, one line per item."""
        lines = self.stores.summary()
        for name, list_id in self.silverpop.lists.items():
            lines.append(
                f"Silverpop database '{name}' ({list_id}) now holds {len(self.silverpop.contacts(list_id))} contacts"
            )
        for name, table_id in self.silverpop.tables.items():
            rows = len(self.silverpop.rows(table_id))
            if rows:
                lines.append(f"Silverpop relational table '{name}' ({table_id}) holds {rows} rows")
        return lines


def example_config() -> dict[str, Any]:
    path = flows_dir().joinpath(*EXAMPLE_CONFIG)
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@contextmanager
def demo_services(
    accounts: int = DEMO_ACCOUNTS, seed: int = 1, steps: list[dict[str, Any]] | None = None
) -> Iterator[Demo]:
    """The sandboxes with demo data; ``steps`` (the flow's) say which file stores to start too."""
    from sandbox.gigya import GigyaSandbox
    from sandbox.silverpop import SilverpopConfig, SilverpopSandbox
    from sandbox.silverpop.seed import INTEGRATION_DATABASES

    config = SilverpopConfig(
        seed=seed, contacts=0, databases=INTEGRATION_DATABASES, job_waiting_s=0.05, job_running_s=0.05
    )
    with (
        GigyaSandbox(accounts=accounts, seed=seed) as gigya,
        SilverpopSandbox(config, tick_s=0.05) as silverpop,
        tempfile.TemporaryDirectory(prefix="dataflow-sandbox-") as scratch,
        ExitStack() as stack,
    ):
        stores = start_stores(steps or [], stack, gigya)
        known_hosts = Path(scratch) / "known_hosts"
        known_hosts.write_text(f"[{silverpop.host}]:{silverpop.sftp_port} {silverpop.sftp_host_key}\n")
        environ = {
            **gigya.environ,
            "SILVERPOP_API_URL": silverpop.url,
            "SILVERPOP_SFTP_HOST": silverpop.host,
            "SILVERPOP_SFTP_PORT": str(silverpop.sftp_port),
            "SILVERPOP_CLIENT_SECRET": silverpop.config.client_secret,
            "SILVERPOP_REFRESH_TOKEN": silverpop.config.refresh_token,
            "DATAFLOW_SFTP_KNOWN_HOSTS": str(known_hosts),
            **stores.environ,
        }
        tables = silverpop.tables
        variables = {
            **example_config(),
            "clientId": silverpop.config.client_id,
            "listId": silverpop.lists["Gigya Master"],
            "likesTableId": tables["Likes"],
            "favoritesTableId": tables["Favorites"],
            "gmTableId": tables["GM"],
            "signalsTableId": tables["Signals"],
            **stores.variables,
        }
        seed_contacts(gigya, silverpop, variables["listId"])
        yield Demo(environ, variables, gigya, silverpop, stores)


def seed_contacts(gigya: Any, silverpop: Any, list_id: int) -> None:
    """The first accounts as Silverpop contacts, some opted out or with changed newsletter choices, all scored."""
    for index in range(min(DEMO_CONTACTS, gigya.count())):
        account = gigya.account(gigya.uid(index))
        subscriptions = account.get("subscriptions") or {}
        fields = {
            "GigyaUid": account["UID"],
            "EMAIL": account["profile"]["email"],
            "Subscribed": "Yes" if str(account.get("data", {}).get("subscribed")).lower() == "true" else "No",
            "Score": str(index * 37 % 100),
            "EngagementScore": str(index * 53 % 100),
        }
        for name in NEWSLETTERS:
            state = subscriptions.get(f"newsletter{name}", {}).get("email", {}).get("isSubscribed")
            subscribed = bool(state) != (index % 7 == 0)  # every 7th contact changed its mind in Silverpop
            fields[f"Newsletter{name}"] = "Yes" if subscribed else "No"
        silverpop.add_contact(list_id, fields, opted_out=index % 10 == 0)
