"""``dataflow run FLOW --sandbox``: the sandboxes in-process with demo data, the job's connections pointed at them.

Only the CLI starts a sandbox (the engine never imports one). The Silverpop sandbox starts with the layout of
the shipped example configuration (``flows/silverpop/customer.example.yaml``: its databases and tables with
their ids, its client id, and, seeded, the SFTP host key the example pins), so the sample flows, which are what
``init`` writes for that configuration, run against it unchanged. The job gets the sandboxes' connection
through its environment (``GIGYA_*``, ``SILVERPOP_API_URL``/``_SFTP_HOST``/``_SFTP_PORT`` and the OAuth
secrets the configuration names as ``${env:…}``). Gigya and Silverpop always start; every other stand-in is a
*provider* in ``PROVIDERS``, keyed by the component type prefix it serves: it starts only when the flow has such a
step, seeded from the Gigya demo site, and adds its own environment, ``{{variables}}`` and closing summary.
Sandbox runs keep their own state under ``$DATAFLOW_HOME/sandbox`` so they never move a real flow's watermark.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataflow.cli.partner_sandboxes import PARTNER_PROVIDERS
from dataflow.cli.sandbox_provider import Attached, SandboxProvider
from dataflow.cli.sandbox_storage import STORE_PROVIDERS
from dataflow.cli.silverpop import CustomerConfig, load
from dataflow.cli.silverpop.layout import databases, tables
from dataflow.loading import DocumentSyntaxError, read_document
from dataflow.resources import flows_dir

DEMO_ACCOUNTS = 1000
DEMO_CONTACTS = 100  # contacts already in Silverpop, so the inbound flows have something to bring back
DEMO_DELETED = (3, 33, 63, 93)  # of those, accounts deleted in Gigya since (outbound-deletions removes them)
EXAMPLE_CONFIG = ("silverpop", "customer.example.yaml")

# Component type prefix -> the provider of its stand-in; each family of stand-ins adds its table here.
PROVIDERS: dict[str, SandboxProvider] = {**PARTNER_PROVIDERS, **STORE_PROVIDERS}


def providers_for(step_types: Iterable[str]) -> list[SandboxProvider]:
    """The providers a flow with these step types needs, each once, in table order."""
    types = set(step_types)
    chosen: dict[str, SandboxProvider] = {}
    for prefix, provider in PROVIDERS.items():
        if any(step_type.startswith(prefix) for step_type in types):
            chosen.setdefault(provider.name, provider)
    return list(chosen.values())


def sandbox_names(step_types: Iterable[str]) -> str:
    """ "Gigya, Silverpop and Mailchimp": what a run of a flow with these step types starts."""
    names = ["Gigya", "Silverpop", *(provider.name for provider in providers_for(step_types))]
    return ", ".join(names[:-1]) + " and " + names[-1]


def flow_step_types(flow: str) -> set[str]:
    """The step types of a flow file, read before the flow is filled and validated (types are never variables).
    A stored flow or an unreadable file gives none: the run itself then reports what is wrong."""
    path = Path(flow)
    if not path.is_file():
        return set()
    try:
        document, _ = read_document(path)
    except (OSError, DocumentSyntaxError):
        return set()
    steps = document.get("steps") if isinstance(document, dict) else None
    return {s["type"] for s in steps or [] if isinstance(s, dict) and isinstance(s.get("type"), str)}


@dataclass
class Demo:
    environ: dict[str, str]
    gigya: Any
    silverpop: Any
    variables: dict[str, Any] = field(default_factory=dict)  # the {{variables}} the providers fill
    attached: list[Attached] = field(default_factory=list)
    shows_silverpop: bool = True

    def partner(self, name: str) -> Any:
        """The running stand-in a provider started, by its name ("Mailchimp")."""
        return next(each.service for each in self.attached if each.name == name)

    def summary(self) -> list[str]:
        """What the stand-ins the flow used hold after the run."""
        lines = self.silverpop_summary() if self.shows_silverpop else []
        for each in self.attached:
            lines.extend(each.summary())
        return lines

    def silverpop_summary(self) -> list[str]:
        """What the Silverpop sandbox holds after the run, one line per database and table."""
        lines = []
        for name, list_id in self.silverpop.lists.items():
            lines.append(
                f"Silverpop database '{name}' ({list_id}) now holds {len(self.silverpop.contacts(list_id))} contacts"
            )
        for name, table_id in self.silverpop.tables.items():
            rows = len(self.silverpop.rows(table_id))
            if rows:
                lines.append(f"Silverpop relational table '{name}' ({table_id}) holds {rows} rows")
        return lines


def example_path() -> Path:
    return flows_dir().joinpath(*EXAMPLE_CONFIG)


def sandbox_layout(config: CustomerConfig) -> dict[str, Any]:
    """``SilverpopConfig`` fields that give the sandbox org the customer's databases, tables and client id."""
    from sandbox.silverpop.seed import DatabaseSpec, TableSpec

    specs = tuple(
        DatabaseSpec(
            database.name,
            tuple(field.name for field in database.fields if field.key),
            tuple((field.name, field.type[1]) for field in database.fields if field.name != "EMAIL"),
            id=int(database.list_id),
        )
        for database in databases(config)
    )
    table_specs = tuple(
        TableSpec(table.name, tuple((c.name, c.type, c.key) for c in table.columns), id=int(table.table_id))
        for table in tables(config)
    )
    return {"databases": specs, "tables": table_specs, "client_id": config.client_id}


@contextmanager
def demo_services(step_types: Iterable[str] = (), accounts: int = DEMO_ACCOUNTS, seed: int = 1) -> Iterator[Demo]:
    """Gigya and Silverpop with demo data, and the stand-in of every other service a step of ``step_types`` uses."""
    step_types = set(step_types)
    from sandbox.gigya import GigyaSandbox
    from sandbox.silverpop import SilverpopConfig, SilverpopSandbox

    config = load(example_path())
    layout = sandbox_layout(config)
    sandbox_config = SilverpopConfig(seed=seed, contacts=0, job_waiting_s=0.05, job_running_s=0.05, **layout)
    with (
        GigyaSandbox(accounts=accounts, seed=seed) as gigya,
        SilverpopSandbox(sandbox_config, tick_s=0.05) as silverpop,
        tempfile.TemporaryDirectory(prefix="dataflow-sandbox-") as scratch,
    ):
        known_hosts = Path(scratch) / "known_hosts"  # for flows that do not pin the host key themselves
        known_hosts.write_text(f"[{silverpop.host}]:{silverpop.sftp_port} {silverpop.sftp_host_key}\n")
        environ = {
            **gigya.environ,
            "SILVERPOP_API_URL": silverpop.url,
            "SILVERPOP_SFTP_HOST": silverpop.host,
            "SILVERPOP_SFTP_PORT": str(silverpop.sftp_port),
            "SILVERPOP_CLIENT_SECRET": silverpop.config.client_secret,
            "SILVERPOP_REFRESH_TOKEN": silverpop.config.refresh_token,
            "DATAFLOW_SFTP_KNOWN_HOSTS": str(known_hosts),
        }
        seed_contacts(gigya, silverpop, config)
        for index in DEMO_DELETED:  # through the API, so the audit log has them as a real site would
            gigya.call("accounts.deleteAccount", UID=gigya.uid(index))
        with ExitStack() as providers:
            attached = [providers.enter_context(p.start(gigya)) for p in providers_for(step_types)]
            variables: dict[str, Any] = {}
            for each in attached:
                environ.update(each.environ)
                variables.update(each.variables)
            # Silverpop's counts close a run that wrote or read Silverpop, or one no other stand-in took part in
            uses_silverpop = any(".silverpop" in step_type for step_type in step_types)
            yield Demo(environ, gigya, silverpop, variables, attached, uses_silverpop or not attached)


def seed_contacts(gigya: Any, silverpop: Any, config: CustomerConfig) -> None:
    """The first accounts as contacts of the master database, scored; every tenth opted out in Silverpop an hour
    ago (newer than anything in Gigya), so the inbound flows have opt-outs and scores to bring back."""
    assert config.list_id is not None
    for index in range(min(DEMO_CONTACTS, gigya.count())):
        account = gigya.account(gigya.uid(index))
        subscriptions = account.get("subscriptions") or {}
        fields = {"GigyaUid": account["UID"], "EMAIL": account["profile"]["email"]}
        for name in config.scoring_fields:
            fields[name] = str(index * (37 + len(name)) % 100)
        for item in config.field_newsletters:
            state = subscriptions.get(item.subscription, {}).get("email", {}).get("isSubscribed")
            fields[item.field] = "Yes" if state else "No"
        silverpop.add_contact(config.list_id, fields, opted_out=index % 10 == 0)
