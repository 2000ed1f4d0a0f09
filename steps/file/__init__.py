"""``file.*``: formatters (records → files), parsers (files → records) and file-to-file steps.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "file.format.dsv": "steps.file.format_dsv:FormatDsv",
    "file.parse.dsv": "steps.file.parse_dsv:ParseDsv",
    "file.format.json": "steps.file.format_json:FormatJson",
    "file.format.jsonl": "steps.file.format_json:FormatJsonLines",
    "file.parse.json": "steps.file.parse_json:ParseJson",
    "file.empty": "steps.file.empty:EmptyFile",
    "file.compress.gzip": "steps.file.compress:CompressGzip",
    "file.compress.zip": "steps.file.compress:CompressZip",
    "file.uncompress.gzip": "steps.file.compress:UncompressGzip",
    "file.uncompress.zip": "steps.file.compress:UncompressZip",
    "file.encrypt.pgp": "steps.file.pgp:EncryptPgp",
    "file.decrypt.pgp": "steps.file.pgp:DecryptPgp",
}
