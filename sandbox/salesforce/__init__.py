"""A loopback stand-in for Salesforce: SOAP login, sObject reads, a SOQL subset and the Bulk API 2.0 ingest jobs.

Driven in the tests by simple-salesforce over its HTTPS listener. Imports nothing of the engine.
"""

from sandbox.salesforce.server import SalesforceSandbox

__all__ = ["SalesforceSandbox"]
