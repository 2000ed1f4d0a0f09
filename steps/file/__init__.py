"""``file.*``: formatters (records → files), parsers (files → records) and file-to-file steps.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "file.format.dsv": "steps.file.format_dsv:FormatDsv",
    "file.parse.dsv": "steps.file.parse_dsv:ParseDsv",
    "file.format.json": "steps.file.format_json:FormatJson",
    "file.format.jsonl": "steps.file.format_json:FormatJsonLines",
    "file.format.aam": "steps.file.format_partner:FormatAam",
    "file.format.krux": "steps.file.format_partner:FormatKrux",
    "file.parse.json": "steps.file.parse_json:ParseJson",
    "file.empty": "steps.file.empty:EmptyFile",
    "file.compress.gzip": "steps.file.compress:CompressGzip",
    "file.compress.zip": "steps.file.compress:CompressZip",
    "file.uncompress.gzip": "steps.file.compress:UncompressGzip",
    "file.uncompress.zip": "steps.file.compress:UncompressZip",
    "file.compress.lzo": "steps.file.lzo:CompressLzo",
    "file.uncompress.lzo": "steps.file.lzo:UncompressLzo",
    "file.encrypt.pgp": "steps.file.pgp:EncryptPgp",
    "file.decrypt.pgp": "steps.file.pgp:DecryptPgp",
}
