"""Marketo (REST API): leads in through the bulk lead import, out through the bulk lead extract.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "datasource.write.marketo": "steps.marketo.write:WriteMarketo",
    "datasource.read.marketo": "steps.marketo.read:ReadMarketo",
}
