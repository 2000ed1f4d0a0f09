"""socialize.getToken: the OAuth2 ``grant_type=none`` token that later calls may send as ``oauth_token``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.gigya.auth import Principal
from sandbox.gigya.errors import invalid
from sandbox.gigya.params import Params

if TYPE_CHECKING:
    from sandbox.gigya.site import Site

ANONYMOUS = frozenset({"socialize.getToken"})


def get_token(site: Site, params: Params, caller: Principal) -> dict[str, Any]:
    if (params.get("grant_type") or "none") != "none":
        raise invalid("grant_type must be none")
    token = site.auth.issue_token(params.require("client_id"), params.require("client_secret"))
    return {"access_token": token, "expires_in": 3600}


METHODS = {"socialize.getToken": get_token}
