"""Salesforce: sObjects through the Bulk API 2.0 (``datasource.write.salesforce``) and Marketing Cloud data
extension rows (``datasource.write.exacttarget``).

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "datasource.write.salesforce": "steps.salesforce.write:WriteSalesforce",
    "datasource.write.exacttarget": "steps.salesforce.exacttarget:WriteExactTarget",
}
