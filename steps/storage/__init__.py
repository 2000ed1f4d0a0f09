"""Readers and writers of files: local directories, SFTP, FTP/FTPS, Amazon S3 and Azure Blob Storage.

``COMPONENTS`` maps each type to ``module:Class``; classes load only when a flow uses them (so boto3 and the
Azure SDK are imported only by flows that use S3 or Azure). What the stores share is in ``remote.py``.
"""

COMPONENTS = {
    "datasource.read.file": "steps.storage.local:ReadFiles",
    "datasource.write.file": "steps.storage.local:WriteFiles",
    "datasource.read.sftp": "steps.storage.sftp:ReadSftp",
    "datasource.write.sftp": "steps.storage.sftp:WriteSftp",
    "datasource.read.ftp": "steps.storage.ftp:ReadFtp",
    "datasource.write.ftp": "steps.storage.ftp:WriteFtp",
    "datasource.read.amazon.s3": "steps.storage.s3:ReadS3",
    "datasource.write.amazon.s3": "steps.storage.s3:WriteS3",
    "datasource.read.azure.blob": "steps.storage.azure_blob:ReadAzureBlob",
    "datasource.write.azure.blob": "steps.storage.azure_blob:WriteAzureBlob",
    "datasource.read.azure.sas": "steps.storage.azure_sas:ReadAzureSas",
    "datasource.write.azure.sas": "steps.storage.azure_sas:WriteAzureSas",
}
