"""``field.*``: record-in, record-out transforms on named fields.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "field.rename": "steps.field.names:Rename",
    "field.remove": "steps.field.names:Remove",
}
