"""Constant Contact (API v3): contacts in through the JSON import activity, out through the contacts list.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "datasource.write.constantcontact": "steps.constantcontact.write:WriteConstantContact",
    "datasource.read.constantcontact": "steps.constantcontact.read:ReadConstantContact",
}
