"""A loopback stand-in for the Mailchimp Marketing API 3.0: audiences (lists), members and batch operations.

Driven in the tests by Mailchimp's own Python client (mailchimp-marketing). Imports nothing of the engine.
"""

from sandbox.mailchimp.server import MailchimpSandbox, subscriber_hash

__all__ = ["MailchimpSandbox", "subscriber_hash"]
