"""Readers and writers of files: local directories here; SFTP and cloud stores beside it.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them.
"""

COMPONENTS = {
    "datasource.read.file": "steps.storage.local:ReadFiles",
    "datasource.write.file": "steps.storage.local:WriteFiles",
    "datasource.read.sftp": "steps.storage.sftp:ReadSftp",
    "datasource.write.sftp": "steps.storage.sftp:WriteSftp",
}
