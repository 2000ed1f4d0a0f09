"""``file.*``: formatters (records → files), parsers (files → records) and file-to-file steps."""
