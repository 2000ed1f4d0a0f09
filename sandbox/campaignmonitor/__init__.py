"""A loopback stand-in for the Campaign Monitor API v3.3: lists, subscribers, imports and unsubscribes.

Driven in the tests by createsend (Campaign Monitor's Python client) over its HTTPS listener. Imports nothing of
the engine.
"""

from sandbox.campaignmonitor.server import CampaignMonitorSandbox

__all__ = ["CampaignMonitorSandbox"]
