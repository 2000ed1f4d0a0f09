"""Stand-ins for the file stores (S3, Azure Blob, FTP/FTPS), each a real server of that protocol on loopback.

Unlike ``sandbox.gigya`` and ``sandbox.silverpop`` these are not written here: moto's server, Microsoft's azurite
and pyftpdlib already speak the protocols, so this package only starts them on free ports with users, keys and
certificates a test or a ``--sandbox`` run can use. moto and pyftpdlib come with the ``sandbox`` extra; azurite is
an npm package (see ``sandbox.storage.azure``). Nothing here imports the engine.
"""

from __future__ import annotations

from sandbox.storage.azure import AzuriteServer, find_azurite
from sandbox.storage.ftp import FtpServer
from sandbox.storage.process import ServerUnavailable
from sandbox.storage.s3 import S3Server

__all__ = ["AzuriteServer", "FtpServer", "S3Server", "ServerUnavailable", "find_azurite"]
