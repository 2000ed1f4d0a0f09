"""What to create in Silverpop before the first run: a Markdown checklist and a header-only CSV per table.

Silverpop's UI creates a relational table from an uploaded CSV whose header names the columns (the types and
key columns are then set in the UI), so each table gets a file holding just that header. The checklist lists
every database field the flows write, with its Silverpop type, and every table column, with its type and
whether it is a key, in the spelling the flows use (Silverpop column names are case-sensitive).
"""

from __future__ import annotations

import csv
import io

from dataflow.cli.silverpop.config import CustomerConfig
from dataflow.cli.silverpop.layout import UID, Database, Table, databases, tables

TABLES_DIR = "tables"
CHECKLIST = "silverpop-setup.md"


def header_csv(table: Table) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([column.name for column in table.columns])
    return buffer.getvalue()


def files(config: CustomerConfig, flow_names: list[str]) -> dict[str, str]:
    """Relative path -> text of the checklist and the tables' header files."""
    found = {f"{TABLES_DIR}/{table.name}.csv": header_csv(table) for table in tables(config)}
    found[CHECKLIST] = checklist(config, flow_names)
    return found


def checklist(config: CustomerConfig, flow_names: list[str]) -> str:
    lines = [
        "# Silverpop set-up checklist",
        "",
        f"Written by `dataflow init silverpop` from `{config.path.name}`. Create what is listed here in Silverpop",
        "(Acoustic Campaign) before the first run; names are case-sensitive and must be spelled as shown.",
        "",
        "## Databases",
        "",
    ]
    for database in databases(config):
        lines += _database(database)
    found = tables(config)
    if found:
        lines += ["## Relational tables", ""]
        for table in found:
            lines += _table(table, config)
    lines += [
        "## Flows",
        "",
        "Add them with `dataflow flows add FILE` and schedule them with `dataflow schedule add NAME ...`. Run",
        "`inbound-optouts` more often than every 30 days (the outbound keeps newer opt-outs for that long).",
        "",
        *[f"- `{name}`" for name in flow_names],
        "",
    ]
    return "\n".join(lines)


def _database(database: Database) -> list[str]:
    kind = "master database (every contact)" if database.master else "newsletter database"
    lines = [
        f"### {database.name} (list id {database.list_id}): {kind}",
        "",
        f"Restricted database with the unique key **{UID}** (for SMS, Acoustic needs a flexible database: make",
        f"{UID} its sync field). Fields:",
        "",
        "| field | Silverpop type | type code | from Gigya |",
        "|---|---|---|---|",
    ]
    for field in database.fields:
        name = f"{field.name} (unique key)" if field.key else field.name
        type_name = "Email (system field)" if field.name == "EMAIL" else field.type[0]
        lines.append(f"| {name} | {type_name} | {field.type[1]} | `{field.source}` |")
    return [*lines, ""]


def _table(table: Table, config: CustomerConfig) -> list[str]:
    joined = [config.list_id] if config.list_id else config.all_list_ids
    lines = [
        f"### {table.name} (table id {table.table_id})",
        "",
        f"Create it from `{TABLES_DIR}/{table.name}.csv`, then set these types and key columns. The flow associates",
        f"it with database(s) {', '.join(joined)} on {UID} itself (JoinTable, once).",
        "",
        "| column | type | key | from Gigya |",
        "|---|---|---|---|",
    ]
    for column in table.columns:
        lines.append(f"| {column.name} | {column.type} | {'yes' if column.key else ''} | `{column.source}` |")
    return [*lines, ""]
