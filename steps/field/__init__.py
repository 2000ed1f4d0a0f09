"""``field.*``: record-in, record-out transforms on named fields.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "field.rename": "steps.field.names:Rename",
    "field.remove": "steps.field.names:Remove",
    "field.select": "steps.field.shape:Select",
    "field.copy": "steps.field.shape:Copy",
    "field.move": "steps.field.shape:Move",
    "field.add": "steps.field.shape:Add",
    "field.flatten": "steps.field.shape:Flatten",
    "field.replace": "steps.field.values:Replace",
    "field.date.format": "steps.field.values:DateFormat",
    "field.array.join": "steps.field.arrays:ArrayJoin",
    "field.array.extract": "steps.field.arrays:ArrayExtract",
    "field.evaluate": "steps.field.evaluate:Evaluate",
    "field.phone.e164": "steps.field.phones:PhoneE164",
}
