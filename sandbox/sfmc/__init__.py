"""A loopback stand-in for Salesforce Marketing Cloud (ExactTarget): tokens and data extension rows.

Driven in the tests with plain ``requests`` (the FuelSDK is unmaintained). Imports nothing of the engine.
"""

from sandbox.sfmc.server import MarketingCloudSandbox

__all__ = ["MarketingCloudSandbox"]
