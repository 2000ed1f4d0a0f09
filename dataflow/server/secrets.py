"""Secrets in stored flows: params a component's schema marks ``writeOnly`` come back as ``********``, and a
save that sends ``********`` back keeps the stored value (IdentitySync's behaviour, identitysync.md §1.1).

So a client can read a flow, change its description and set it again without ever holding the password.
A masked value with nothing stored to keep (a new step, a flow copied from another site) is refused with the
step and param named, rather than saved as a password of eight asterisks.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from dataflow import schemas
from dataflow.registry import Registry, UnknownComponent
from dataflow.runtime.redaction import MASK
from dataflow.server.envelope import invalid


@lru_cache(maxsize=1024)
def _secret_params(registry: Registry, step_type: str) -> frozenset[str]:
    try:
        return schemas.secret_params(registry.get(step_type).schema)
    except (UnknownComponent, TypeError, ImportError):
        return frozenset()


def _steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    steps = document.get("steps")
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def _secret_names(registry: Registry, step: dict[str, Any]) -> frozenset[str]:
    step_type = step.get("type")
    return _secret_params(registry, step_type) if isinstance(step_type, str) else frozenset()


def masked(document: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """A copy of ``document`` with every secret param that holds a value shown as ``********``."""
    result = copy.deepcopy(document)
    for step in _steps(result):
        params = step.get("params")
        if not isinstance(params, dict):
            continue
        for name in _secret_names(registry, step):
            if params.get(name) not in (None, ""):
                params[name] = MASK
    return result


def unmasked(document: dict[str, Any], stored: dict[str, Any] | None, registry: Registry) -> dict[str, Any]:
    """``document`` with each ``********`` secret replaced by the stored value of the same step and param."""
    result = copy.deepcopy(document)
    previous = {s.get("id"): s for s in _steps(stored or {})}
    for step in _steps(result):
        params = step.get("params")
        if not isinstance(params, dict):
            continue
        for name, value in params.items():
            if value != MASK or name not in _secret_names(registry, step):
                continue
            old_params = (previous.get(step.get("id")) or {}).get("params") or {}
            kept = old_params.get(name) if isinstance(old_params, dict) else None
            if kept in (None, "", MASK):
                raise invalid(
                    f"step '{step.get('id')}' param '{name}' is {MASK} but there is no stored value to keep; "
                    "send the secret itself"
                )
            params[name] = kept
    return result
