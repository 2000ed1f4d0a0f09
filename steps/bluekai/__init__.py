"""BlueKai (Oracle Data Cloud) User Data API: a user's attributes sent as phints, one signed call per record.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {"datasource.write.bluekai": "steps.bluekai.write:WriteBlueKai"}
