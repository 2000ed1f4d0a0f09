"""``record.*``: per-record scripting (JavaScript in a sandbox).

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "record.evaluate": "steps.record.evaluate:Evaluate",
}
