"""Building blocks of the flow documents: a step, the Silverpop connection block, ids as the flows write them."""

from __future__ import annotations

from typing import Any

from dataflow.cli.silverpop.config import CustomerConfig

Step = dict[str, Any]
Document = dict[str, Any]
SILVERPOP_TIME = "MM/dd/yyyy HH:mm:ss"


def step(step_id: str, type_name: str, params: dict[str, Any] | None = None, *following: str) -> Step:
    found: Step = {"id": step_id, "type": type_name}
    if params is not None:
        found["params"] = params
    if following:
        found["next"] = list(following)
    return found


def connection(config: CustomerConfig, sftp: bool = True) -> dict[str, Any]:
    params: dict[str, Any] = {
        "clientId": config.client_id,
        "clientSecret": config.client_secret,
        "refreshToken": config.refresh_token,
        "podNumber": config.pod,
    }
    if sftp:
        params.update(config.host_key)
    return params


def number(list_id: str) -> int | str:
    return int(list_id) if list_id.isdigit() else list_id


def join_targets(config: CustomerConfig) -> int | str | list[int | str]:
    """Relational tables are joined with the master database, else with every newsletter database."""
    ids = [config.list_id] if config.list_id else config.all_list_ids
    return number(ids[0]) if len(ids) == 1 else [number(item) for item in ids]
