"""The partner stand-ins by the name ``dataflow sandbox NAME`` takes, and serving one in the foreground."""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from sandbox.serving import serve_until_signal

PARTNERS = {
    "mailchimp": "sandbox.mailchimp:MailchimpSandbox",
    "marketo": "sandbox.marketo:MarketoSandbox",
    "campaignmonitor": "sandbox.campaignmonitor:CampaignMonitorSandbox",
    "constantcontact": "sandbox.constantcontact:ConstantContactSandbox",
    "salesforce": "sandbox.salesforce:SalesforceSandbox",
    "sfmc": "sandbox.sfmc:MarketingCloudSandbox",
    "bluekai": "sandbox.bluekai:BlueKaiSandbox",
}


def partner_class(name: str) -> type:
    module, _, cls = PARTNERS[name].partition(":")
    return getattr(import_module(module), cls)


def serve_partner(args: argparse.Namespace) -> int:
    """Start the stand-in, print its connection as one JSON line, serve until SIGINT or SIGTERM."""
    try:
        sandbox = partner_class(args.service)(
            host=args.host, port=args.port, seed=args.seed, latency_ms=args.latency_ms
        ).start()
    except OSError as problem:
        print(f"dataflow sandbox: cannot listen on {args.host}:{args.port}: {problem}", file=sys.stderr)
        return 1
    if args.fault_rate:
        sandbox.faults.set_rates(rate_limit=args.fault_rate / 2, server_error=args.fault_rate / 2)
    return serve_until_signal([sandbox.info()], sandbox.stop)
