"""``dataflow site add|key|list|rm``: the sites (IdentitySync apiKeys) ``dataflow serve`` answers, and their keys.

A site's flows, schedulings and jobs are its own: a caller signed with one site's keys never sees another's.
``add`` generates the apiKey, a userKey and its secret unless they are given, and prints them once; ``list``
never prints a secret. The command line itself works on the site ``local``: ``dataflow site add NAME --api-key
local`` gives the flows added with ``dataflow flows add`` a login for the console.
"""

from __future__ import annotations

import argparse
import base64
import secrets
import string

from dataflow import jsonio
from dataflow.cli.commands import UsageError
from dataflow.cli.context import store
from dataflow.gigya_signature import valid_secret
from dataflow.store import StoreError

_ALPHANUMERIC = string.ascii_letters + string.digits


def add_parser(commands: argparse._SubParsersAction) -> None:
    site = commands.add_parser("site", help="add, list and remove the sites `dataflow serve` answers, and their keys")
    actions = site.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a site with a first user key (generated unless given)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--api-key", help="the site's apiKey (default: generated)")
    _key_options(add)
    key = actions.add_parser("key", help="add (or replace) a user key of a site")
    key.add_argument("api_key", metavar="APIKEY")
    _key_options(key)
    listing = actions.add_parser("list", help="list sites and their user keys (never the secrets)")
    listing.add_argument("--json", action="store_true")
    remove = actions.add_parser("rm", help="remove a site and its keys (its flows and jobs stay in the store)")
    remove.add_argument("api_key", metavar="APIKEY")


def _key_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user-key", help="the userKey (default: generated)")
    parser.add_argument("--secret", help="its secret, Base64 (default: generated)")
    parser.add_argument("--json", action="store_true", help="print the keys as JSON")


def run(args: argparse.Namespace) -> int:
    return {"add": _add, "key": _key, "list": _list, "rm": _remove}[args.action](args)


def _add(args: argparse.Namespace) -> int:
    api_key = args.api_key or "3_" + _random(40)
    try:
        store().add_site(api_key, args.name)
    except StoreError as refused:
        raise UsageError(str(refused)) from refused
    return _key(argparse.Namespace(api_key=api_key, user_key=args.user_key, secret=args.secret, json=args.json))


def _key(args: argparse.Namespace) -> int:
    user_key = args.user_key or _random(12)
    secret = args.secret or base64.b64encode(secrets.token_bytes(24)).decode()
    if not valid_secret(secret):
        raise UsageError("--secret must be Base64 (signatures are HMAC-SHA1 over its decoded bytes)")
    try:
        store().add_site_key(args.api_key, user_key, secret)
    except LookupError as unknown:
        raise UsageError(f"{unknown.args[0]}; add it with: dataflow site add NAME --api-key {args.api_key}") from None
    keys = {"apiKey": args.api_key, "userKey": user_key, "secret": secret}
    if args.json:
        print(jsonio.dumps_pretty(keys))
    else:
        print(f"apiKey:  {args.api_key}\nuserKey: {user_key}\nsecret:  {secret}")
        print("keep the secret: it is not shown again")
    return 0


def _list(args: argparse.Namespace) -> int:
    sites = store().list_sites()
    if args.json:
        rows = [
            {"apiKey": s.api_key, "name": s.name, "userKeys": list(s.user_keys), "created": s.created} for s in sites
        ]
        print(jsonio.dumps_pretty(rows))
        return 0
    for site in sites:
        print(f"{site.api_key:<44} {site.name:<24} user keys: {', '.join(site.user_keys) or '-'}")
    if not sites:
        print("no sites; add one with: dataflow site add NAME")
    return 0


def _remove(args: argparse.Namespace) -> int:
    if not store().delete_site(args.api_key):
        raise UsageError(f"no site with apiKey '{args.api_key}'")
    print(f"removed site {args.api_key}")
    return 0


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))
