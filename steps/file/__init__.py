"""``file.*``: formatters (records → files), parsers (files → records) and file-to-file steps.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "file.format.dsv": "steps.file.format_dsv:FormatDsv",
    "file.parse.dsv": "steps.file.parse_dsv:ParseDsv",
}
