"""What the partner stand-ins share: a routed HTTP(S) server, seeded faults and optional TLS.

Mailchimp, Marketo, Campaign Monitor, Constant Contact, Salesforce, Marketing Cloud and BlueKai each speak their
own API over this kit. Like every sandbox it imports nothing of the engine or the components.
"""

from sandbox.rest.base import PartnerSandbox
from sandbox.rest.faults import EXPIRED_TOKEN, RATE_LIMIT, SERVER_ERROR, Faults
from sandbox.rest.server import Request, Response, Router, json_response

__all__ = [
    "EXPIRED_TOKEN",
    "RATE_LIMIT",
    "SERVER_ERROR",
    "Faults",
    "PartnerSandbox",
    "Request",
    "Response",
    "Router",
    "json_response",
]
