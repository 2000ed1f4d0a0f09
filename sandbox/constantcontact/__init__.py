"""A loopback stand-in for the Constant Contact API v3: contacts, custom fields, lists and bulk activities.

Driven in the tests with plain ``requests`` (Constant Contact publishes no Python client for v3), plus its OAuth
refresh-token grant. Imports nothing of the engine.
"""

from sandbox.constantcontact.server import ConstantContactSandbox

__all__ = ["ConstantContactSandbox"]
