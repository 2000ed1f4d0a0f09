"""A loopback stand-in for Marketo's REST API: identity tokens, leads (sync and bulk import), bulk lead extract.

Driven in the tests by marketorestpython. Imports nothing of the engine.
"""

from sandbox.marketo.server import MarketoSandbox

__all__ = ["MarketoSandbox"]
