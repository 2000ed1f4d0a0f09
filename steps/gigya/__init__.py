"""Gigya (SAP Customer Data Cloud): the REST client and the ``datasource.*.gigya.*`` components.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "datasource.read.gigya.account": "steps.gigya.read:ReadAccounts",
    "datasource.read.gigya.ds": "steps.gigya.read:ReadDataStore",
    "datasource.read.gigya.audit": "steps.gigya.read:ReadAudit",
    "datasource.write.gigya.account": "steps.gigya.write:WriteAccount",
    "datasource.write.gigya.importaccount": "steps.gigya.write:ImportAccount",
    "datasource.write.gigya.generic": "steps.gigya.write:WriteGeneric",
    "datasource.write.gigya.ds": "steps.gigya.write:WriteDataStore",
    "datasource.lookup.gigya.account": "steps.gigya.lookup:LookupAccount",
    "datasource.lookup.gigya.gm": "steps.gigya.lookup:LookupGameMechanics",
}
