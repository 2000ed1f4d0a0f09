"""The API methods, one module per namespace; each handler takes (site, params, caller) and returns a payload."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.gigya.auth import Principal
    from sandbox.gigya.params import Params
    from sandbox.gigya.site import Site

Handler = Callable[["Site", "Params", "Principal"], dict[str, Any]]


def registry() -> dict[str, Handler]:
    from sandbox.gigya.methods import accounts, audit, ds, gm, socialize

    methods: dict[str, Handler] = {}
    for module in (accounts, audit, ds, gm, socialize):
        methods.update(module.METHODS)
    return methods
